import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where thoth keeps its state by default: $XDG_STATE_HOME/thoth, else ~/.local/state/thoth. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_STATE_HOME'];
  return base !== undefined && base.length > 0 ? join(base, 'thoth') : join(homedir(), '.local', 'state', 'thoth');
}

/** The Unix socket a router listening beyond loopback opens for its owner's tools (mode 0600). */
export function ownerSocketPath(dataDir: string): string {
  return join(dataDir, 'router.sock');
}
