import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, describeStatus, spawnNode, type ExitStatus } from './child.js';
import { cliMainPath } from './paths.js';

export interface RouterProcess {
  readonly child: Child;
  /** ws://127.0.0.1:<port>/ws */
  readonly wsUrl: string;
  /** tcp://127.0.0.1:<port> */
  readonly rawUrl: string;
  /** unix:///path, when started with `unixPath`. */
  readonly unixUrl: string | undefined;
  /** SIGTERM, then its exit status (bounded). */
  stop(timeoutMs?: number): Promise<ExitStatus>;
}

export interface RouterProcessOptions {
  /** Also listen on this Unix socket path. */
  unixPath?: string;
  /** A config file (JSON or YAML). */
  configPath?: string;
  readyTimeoutMs?: number;
  /** The registry's folder; default: a fresh temporary one, removed on stop(). */
  dataDir?: string;
}

/** `thoth router` as a real process (log level info: readiness is its 'router ready' info line) on ephemeral loopback ports; resolves once it logs 'router ready'. */
export async function startRouterProcess(options: RouterProcessOptions = {}): Promise<RouterProcess> {
  const ownDataDir = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'thoth-router-')) : undefined;
  const dataDir = options.dataDir ?? ownDataDir!;
  const args = ['router', '--port', '0', '--rawsocket-port', '0', '--log-level', 'info', '--data-dir', dataDir];
  if (options.unixPath !== undefined) args.push('--unix', options.unixPath);
  if (options.configPath !== undefined) args.push('--config', options.configPath);
  const child = spawnNode(cliMainPath(), args, { name: 'router' });
  let ready: Record<string, unknown>;
  try {
    ready = await child.waitForJson((line) => line['msg'] === 'router ready', { what: "the 'router ready' log line", timeoutMs: options.readyTimeoutMs ?? 15_000 });
  } catch (error) {
    await child.kill();
    throw error;
  }
  const urls = Array.isArray(ready['urls']) ? ready['urls'].filter((u): u is string => typeof u === 'string') : [];
  const wsUrl = urls.find((u) => u.startsWith('ws://'));
  const rawUrl = urls.find((u) => u.startsWith('tcp://'));
  const unixUrl = urls.find((u) => u.startsWith('unix://'));
  if (wsUrl === undefined || rawUrl === undefined || (options.unixPath !== undefined && unixUrl === undefined)) {
    await child.kill();
    throw new Error(`'router ready' did not list the expected listeners: ${JSON.stringify(urls)}`);
  }
  return {
    child, wsUrl, rawUrl, unixUrl,
    async stop(timeoutMs = 10_000) {
      child.signal('SIGTERM');
      const status = await child.waitForExit(timeoutMs);
      if (ownDataDir !== undefined) rmSync(ownDataDir, { recursive: true, force: true });
      return status;
    },
  };
}

/** Fail with the router's own words if it is no longer running. */
export function assertRunning(router: RouterProcess): void {
  const status = router.child.exitStatus;
  if (status !== undefined) throw new Error(`the router process exited (${describeStatus(status)})${router.child.tail()}`);
}
