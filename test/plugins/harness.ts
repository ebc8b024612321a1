import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { z } from 'zod';
import type { PluginDefinition } from '../../src/agent/plugin.js';
import { connect, type Session } from '../../src/client/index.js';
import { createLogger, silentLogger, type Logger } from '../../src/observability/logger.js';
import { Router } from '../../src/router/index.js';

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'thoth-plugins-'));
}

/** A plugin's main() running on its own session, and a second session to call it. */
export interface PluginRun {
  router: Router;
  /** The plugin's session (ctx.session). */
  provider: Session;
  caller: Session;
  controller: AbortController;
  /** main()'s promise. */
  done: Promise<void>;
  dataDir: string;
  /** Abort the plugin, close both sessions and the router, remove dataDir. Idempotent. */
  close(): Promise<void>;
}

/**
 * Start a router on 127.0.0.1 port 0, connect two sessions, run
 * `plugin.main` with the first, and resolve once every one of `procedures`
 * is registered (seen through the registration meta events).
 */
export async function runPlugin<S extends z.ZodType>(
  plugin: PluginDefinition<S>,
  procedures: readonly string[],
  config: unknown = {},
  logger: Logger = silentLogger,
): Promise<PluginRun> {
  const router = new Router();
  const [url] = await router.listen({ websocket: { host: '127.0.0.1', port: 0 } });
  if (url === undefined) throw new Error('the router did not listen');
  const provider = await connect({ url, reconnect: false });
  const caller = await connect({ url, reconnect: false });
  const pending = new Set(procedures);
  let ready!: () => void;
  const registered = new Promise<void>((resolve) => { ready = resolve; });
  await caller.subscribe('wamp.registration.on_create', ([, registration]) => {
    pending.delete(String((registration as { uri?: unknown }).uri));
    if (pending.size === 0) ready();
  });
  const controller = new AbortController();
  const dataDir = await tempDir();
  const done = plugin.main({
    session: provider,
    logger,
    config: plugin.config.parse(config),
    signal: controller.signal,
    device: { id: 'test-device', name: 'test' },
    modalities: [],
    dataDir,
  });
  await Promise.race([registered, done.then(() => { throw new Error(`${plugin.name} main() returned before registering`); })]);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= (async () => {
    controller.abort();
    await done.catch(() => undefined);
    await Promise.all([provider.close(), caller.close()]);
    await router.close();
    await rm(dataDir, { recursive: true, force: true });
  })());
  return { router, provider, caller, controller, done, dataDir, close };
}

/** A debug-level logger whose lines the test can await. */
export function captureLogger(): { logger: Logger; next(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> } {
  const lines: Record<string, unknown>[] = [];
  const waiters: Array<{ match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim() === '') continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const waiter of [...waiters]) {
          if (waiter.match(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  return {
    logger,
    next(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

/** assert.rejects for a RemoteError with `uri` whose message (args[0]) contains `text`. */
export function isRemoteError(uri: string, text?: string) {
  return (error: unknown): boolean => {
    const e = error as { uri?: unknown; args?: unknown[] };
    if (e.uri !== uri) throw new Error(`expected ${uri}, got ${String(e.uri)}: ${String(e.args?.[0])}`);
    if (text !== undefined && !String(e.args?.[0]).includes(text)) throw new Error(`expected the message to contain ${JSON.stringify(text)}, got ${String(e.args?.[0])}`);
    return true;
  };
}
