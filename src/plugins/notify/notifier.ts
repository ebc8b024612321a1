import { spawn } from 'node:child_process';
import { findExecutable } from '../common/executable.js';

export interface Notification {
  title: string;
  body?: string | undefined;
  urgency: 'low' | 'normal' | 'critical';
}

export type NotifyOutcome = { shown: true } | { shown: false; reason: string };

export interface NotifierOptions {
  /** The notify-send compatible command: a name looked up on PATH, or a path. */
  command: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Kept of the command's stderr, for the reason it failed. */
const STDERR_TAIL = 1024;

/** notify-send's arguments; `--` so that a title starting with '-' is not an option. */
export function notifySendArgs(notification: Notification): string[] {
  const args = ['--app-name=thoth', `--urgency=${notification.urgency}`, '--', notification.title];
  if (notification.body !== undefined) args.push(notification.body);
  return args;
}

/** Run the notify command (never through a shell). Resolves, never rejects. */
export async function showNotification(notification: Notification, options: NotifierOptions): Promise<NotifyOutcome> {
  const executable = await findExecutable(options.command);
  if (executable === undefined) return { shown: false, reason: `${options.command} was not found on PATH` };
  return new Promise((resolve) => {
    const child = spawn(executable, notifySendArgs(notification), { stdio: ['ignore', 'ignore', 'pipe'], shell: false });
    let stderr = '';
    // Killing answers at once: a grandchild holding stderr open must not delay the answer.
    const kill = (reason: string): void => {
      child.kill('SIGKILL');
      finish({ shown: false, reason });
    };
    const timer = setTimeout(() => kill(`${options.command} did not finish within ${options.timeoutMs} ms`), options.timeoutMs);
    const onAbort = (): void => kill('canceled');
    options.signal.addEventListener('abort', onAbort, { once: true });
    const finish = (outcome: NotifyOutcome): void => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-STDERR_TAIL); });
    child.on('error', (error) => finish({ shown: false, reason: `${options.command} could not run: ${error.message}` }));
    child.on('close', (code, signal) => {
      if (code === 0) {
        finish({ shown: true });
        return;
      }
      const detail = stderr.trim();
      const exited = `${options.command} exited with ${code === null ? `signal ${signal ?? 'unknown'}` : `code ${code}`}`;
      finish({ shown: false, reason: detail === '' ? exited : `${exited}: ${detail}` });
    });
  });
}
