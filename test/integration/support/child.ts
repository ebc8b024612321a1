import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WaitTimeout } from './deadline.js';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type StreamName = 'stdout' | 'stderr';

export interface LineWait {
  /** Default 'stdout'. */
  stream?: StreamName;
  /** Default 10000. */
  timeoutMs?: number;
  /** What the line means, for the failure message. */
  what: string;
}

interface Waiter {
  stream: StreamName;
  test: (line: string) => boolean;
  resolve: (line: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  what: string;
}

/** Every child still running, so a suite can end what it started even after a failed assertion. */
const running = new Set<Child>();

/**
 * A child process started by a test: its output as lines, waits for a line or
 * for its exit (each bounded), and signals sent to its own PID only.
 */
export class Child {
  readonly pid: number;
  readonly lines: Record<StreamName, string[]> = { stdout: [], stderr: [] };
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private waiters = new Set<Waiter>();

  constructor(readonly name: string, private readonly proc: ChildProcess) {
    if (proc.pid === undefined) throw new Error(`${name}: spawn failed`);
    this.pid = proc.pid;
    running.add(this);
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = proc[stream];
      if (source === null) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => this.onLine(stream, line));
    }
    // 'close' comes after the output streams ended, so every line is in before waiters are failed.
    this.exited = new Promise((resolve) => {
      proc.once('close', (code, signal) => {
        this.status = { code, signal };
        running.delete(this);
        for (const waiter of [...this.waiters]) {
          this.settle(waiter);
          waiter.reject(new Error(`${this.name} (pid ${this.pid}) exited (${describeStatus(this.status)}) before printing ${waiter.what}${this.tail()}`));
        }
        resolve(this.status);
      });
    });
  }

  /** Undefined while running. */
  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** The first line (already printed or still to come) that passes `test`. */
  waitForLine(test: (line: string) => boolean, options: LineWait): Promise<string> {
    const stream = options.stream ?? 'stdout';
    const found = this.lines[stream].find(test);
    if (found !== undefined) return Promise.resolve(found);
    if (this.status !== undefined) {
      return Promise.reject(new Error(`${this.name} already exited (${describeStatus(this.status)}) without printing ${options.what}${this.tail()}`));
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        stream, test, resolve, reject, what: options.what,
        timer: setTimeout(() => {
          this.settle(waiter);
          reject(new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${this.name} to print ${options.what}${this.tail()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** The first stdout JSON line whose object passes `test`. */
  async waitForJson<T extends Record<string, unknown>>(test: (value: Record<string, unknown>) => boolean, options: LineWait): Promise<T> {
    const line = await this.waitForLine((text) => {
      const value = parseJsonObject(text);
      return value !== undefined && test(value);
    }, options);
    return parseJsonObject(line) as T;
  }

  /** Every stdout line that is a JSON object. */
  jsonLines(): Record<string, unknown>[] {
    return this.lines.stdout.map(parseJsonObject).filter((v): v is Record<string, unknown> => v !== undefined);
  }

  async waitForExit(timeoutMs = 10_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${this.name} (pid ${this.pid}) to exit${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Send a signal to this child's PID; false if it has already exited. */
  signal(signal: NodeJS.Signals): boolean {
    if (this.status !== undefined) return false;
    return this.proc.kill(signal);
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ExitStatus> {
    this.signal('SIGKILL');
    return this.waitForExit(5_000);
  }

  /** The last stderr lines, for failure messages. */
  tail(): string {
    const last = this.lines.stderr.slice(-8).join('\n');
    return last.length > 0 ? `; its stderr ended with:\n${last}` : '';
  }

  private onLine(stream: StreamName, line: string): void {
    this.lines[stream].push(line);
    for (const waiter of [...this.waiters]) {
      if (waiter.stream === stream && waiter.test(line)) {
        this.settle(waiter);
        waiter.resolve(line);
      }
    }
  }

  private settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
  }
}

export interface SpawnOptions {
  /** For messages. Default: the script's file name. */
  name?: string;
  /** Added to the environment (which never carries THOTH_* settings from the test's own). */
  env?: Record<string, string>;
}

/** Run `node <script> ...args`, reading its stdout and stderr. */
export function spawnNode(script: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('THOTH_')) env[key] = value;
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  return new Child(options.name ?? script.split('/').pop() ?? script, child);
}

/** SIGKILL every child this test process started that is still running, and wait for them. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.kill().catch(() => undefined)));
}

export function describeStatus(status: ExitStatus): string {
  return status.signal !== null ? `signal ${status.signal}` : `code ${String(status.code)}`;
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
