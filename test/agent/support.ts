import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger, type LogLevel, type Logger } from '../../src/observability/logger.js';
import { connect, type Session } from '../../src/client/index.js';
import { installMesh, openRegistry, type Registry } from '../../src/mesh/index.js';
import { installDhtBootstrap } from '../../src/dht/bootstrap/index.js';
import { Router, type RolesConfig } from '../../src/router/index.js';
import type { TlsServerOptions } from '../../src/transport/index.js';
import { buildAuthenticators } from '../../src/router/auth/config.js';
import { resolveAgentSettings, type AgentConfig, type AgentSettings } from '../../src/agent/config.js';

/** A compiled test plugin in test/agent/fixtures/, as an absolute path. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
}

/** Temporary folders, removed by cleanup(). */
export class TempDirs {
  private readonly made: string[] = [];

  async make(prefix = 'thoth-agent-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

export interface MeshRouter {
  router: Router;
  registry: Registry;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface MeshRouterOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Registry folder; default in memory. */
  dataDir?: string;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /** Certificate and key: listen on wss:// instead. */
  tls?: TlsServerOptions;
  /** Authorization: the config's auth.roles (e.g. rules granting devices more). */
  roles?: RolesConfig;
}

/** A real router with the mesh installed and device pairing on (as `thoth router` runs), WebSocket on 127.0.0.1. */
export async function startMeshRouter(options: MeshRouterOptions = {}): Promise<MeshRouter> {
  const registry = openRegistry(options.dataDir ?? ':memory:');
  const router = new Router({ shutdownTimeoutMs: 1000, roles: options.roles, authenticators: buildAuthenticators(undefined, { logger: createLogger({ level: 'silent' }), devices: registry.pairing }) });
  installMesh(router, {
    registry,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 15_000,
  });
  installDhtBootstrap(router, { pairing: registry.pairing });
  const [url] = await router.listen({ websocket: { host: '127.0.0.1', port: options.port ?? 0, path: '/ws', ...(options.tls && { tls: options.tls }) } });
  if (url === undefined) throw new Error('the router listed no URL');
  return { router, registry, url, port: Number(new URL(url).port), close: () => router.close() };
}

/** A plain SDK session without reconnect, for asserting what the router sees. */
export function observer(url: string): Promise<Session> {
  return connect({ url, realm: 'thoth', reconnect: false, connectTimeoutMs: 5000, closeTimeoutMs: 500 });
}

/** Agent settings for a test: the given router and data dir, no plugins unless given, short deadlines. */
export function testSettings(router: string, dataDir: string, config: AgentConfig = {}): AgentSettings {
  return resolveAgentSettings([{ router, dataDir, plugins: [], shutdownDeadlineMs: 2000, reconnect: { initialMs: 50, maxMs: 500 }, logLevel: 'info', ...config }], {});
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Call `probe` each time `changed` fires (and once now) until it returns a value other than undefined. */
export async function until<T>(probe: () => Promise<T | undefined>, subscribe: (wake: () => void) => () => void, ms: number, what: string): Promise<T> {
  return within(new Promise<T>((resolve, reject) => {
    let busy = false;
    let again = false;
    let off = (): void => undefined;
    const check = (): void => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      probe().then((value) => {
        busy = false;
        if (value !== undefined) {
          off();
          resolve(value);
        } else if (again) {
          again = false;
          check();
        }
      }, (error: unknown) => {
        off();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    };
    off = subscribe(check);
    check();
  }), ms, what);
}

/** A logger whose JSON lines the test can read, and wait for. */
export function captureLogger(level: LogLevel = 'debug'): { logger: Logger; lines: Record<string, unknown>[]; waitFor(test: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>> } {
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const wake of [...waiters]) wake();
      callback();
    },
  });
  const waitFor = (test: (line: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> =>
    within(new Promise((resolve) => {
      const check = (): void => {
        const found = lines.find(test);
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    }), ms, 'a log line');
  return { logger: createLogger({ level, destination }), lines, waitFor };
}
