import type { Registration, RegisterOptions } from '../../client/index.js';
import type { PluginContext } from '../../agent/plugin.js';

/**
 * How every built-in plugin registers: the same procedure exists on every
 * device, and callers pick the device with the `_device` call option.
 */
export const sharedRegistration: RegisterOptions = { invoke: 'roundrobin' };

/** Resolves once `signal` aborts (at once when it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * Serve until the plugin is stopped, then withdraw its procedures. Withdrawing
 * is best effort: the agent may be closing the session at the same time.
 */
export async function serveUntilAborted(ctx: PluginContext<unknown>, registrations: readonly Registration[]): Promise<void> {
  await untilAborted(ctx.signal);
  const outcomes = await Promise.allSettled(registrations.map((registration) => registration.unregister()));
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') ctx.logger.debug({ err: outcome.reason }, 'unregister after stop failed');
  }
}
