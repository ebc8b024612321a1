import { running } from './cell.js';
import { Child, type ChildScript } from './children.js';

export const READY_TIMEOUT_MS = 15_000;

/** Starts a bench child and tracks it in `running`, so the driver's Ctrl-C handler stops it too. */
export function startChild(script: ChildScript, config: object, nodeArgs: string[] = []): Child {
  const child = Child.start(script, config, { nodeArgs });
  running.add(child);
  void child.exit.then(() => running.delete(child));
  return child;
}

/** The router's RawSocket URL among those it printed. */
export function rawSocketUrl(urls: readonly string[]): string {
  const url = urls.find((u) => u.startsWith('tcp://'));
  if (url === undefined) throw new Error(`router offered no tcp:// URL: ${urls.join(', ')}`);
  return url;
}
