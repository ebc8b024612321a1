import type { CalleeConfig, CallerConfig, SubscriberConfig } from '../fixtures/config.js';
import { spawnNode, type Child } from './child.js';
import { fixturePath } from './paths.js';

const readyTimeoutMs = 15_000;

async function startFixture(script: string, name: string, config: object): Promise<Child> {
  const child = spawnNode(fixturePath(script), [JSON.stringify(config)], { name });
  try {
    await child.waitForJson((line) => line['event'] === 'ready', { what: "its 'ready' line", timeoutMs: readyTimeoutMs });
  } catch (error) {
    await child.kill();
    throw error;
  }
  return child;
}

/** A callee app process (fixtures/callee.ts) whose procedures are all registered. */
export function startCallee(config: CalleeConfig): Promise<Child> {
  return startFixture('callee', `callee ${config.name}`, config);
}

/** A caller app process (fixtures/caller.ts), connected; it makes its one call right after 'ready'. */
export function startCaller(config: CallerConfig): Promise<Child> {
  return startFixture('caller', `caller of ${config.procedure}`, config);
}

/** A subscriber app process (fixtures/subscriber.ts), subscribed. */
export function startSubscriber(config: SubscriberConfig): Promise<Child> {
  return startFixture('subscriber', `subscriber to ${config.topic}`, config);
}

/** Resolves with the `invoked` line a callee prints when its handler for `token` starts. */
export function invoked(callee: Child, token: unknown, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return callee.waitForJson((line) => line['event'] === 'invoked' && line['token'] === token, { what: `an 'invoked' line for token ${JSON.stringify(token)}`, timeoutMs });
}
