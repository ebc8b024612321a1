import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ChildEvent, EventName } from './lines.js';

export type ChildScript =
  | 'router-process'
  | 'callee-process'
  | 'caller-process'
  | 'relay-process'
  | 'relay-callee-process'
  | 'relay-caller-process'
  | 'mesh-router-process'
  | 'mesh-callee-process'
  | 'mesh-caller-process'
  | 'mesh-loader-process'
  | 'dht-lookup-process'
  | 'dht-sim-process';

export interface SpawnOptions {
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

type EventOf<E extends EventName> = Extract<ChildEvent, { event: E }>;

interface Waiter {
  event: EventName;
  resolve: (e: ChildEvent) => void;
  reject: (e: Error) => void;
}

/**
 * One bench child process (node dist/bench/<script>.js '<json config>'). Its
 * JSON event lines queue up per event name and are taken in order; its stderr
 * is kept for error reports. The driver ends it by closing its stdin; `kill` is
 * the fallback and only ever targets this child's own pid.
 */
export class Child {
  private readonly queued: ChildEvent[] = [];
  private readonly waiters: Waiter[] = [];
  private stderr = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private failed: Error | undefined;
  readonly exit: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    const stdout = proc.stdout;
    if (!stdout) throw new Error('child without stdout');
    createInterface({ input: stdout }).on('line', (line) => this.onLine(line));
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 64 * 1024) this.stderr += chunk.toString('utf8');
    });
    proc.stdin?.on('error', () => undefined);
    this.exit = new Promise((resolve) => {
      proc.once('close', (code, signal) => {
        this.exited = { code, signal };
        this.failAll(this.failure(`exited (code ${code}, signal ${signal})`));
        resolve();
      });
    });
  }

  static start(script: ChildScript, config: object, options: SpawnOptions = {}): Child {
    const path = new URL(`./${script}.js`, import.meta.url).pathname;
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new Child(script, child);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** The oldest line with this event not taken yet, waiting for it if needed. */
  take<E extends EventName>(event: E, timeoutMs: number): Promise<EventOf<E>> {
    const index = this.queued.findIndex((e) => e.event === event);
    if (index >= 0) return Promise.resolve(this.queued.splice(index, 1)[0] as EventOf<E>);
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(this.failure(`no '${event}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        event,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as EventOf<E>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** One command line to the child's stdin. */
  send(command: 'sample'): void {
    if (!this.exited) this.proc.stdin?.write(`${command}\n`);
  }

  /** Asks the child to finish (closes its stdin) and waits for it to exit; kills it after `timeoutMs`. */
  async finish(timeoutMs = 5000): Promise<void> {
    if (this.exited) return;
    this.proc.stdin?.end();
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }

  private onLine(line: string): void {
    let event: ChildEvent;
    try {
      event = JSON.parse(line) as ChildEvent;
    } catch {
      this.stderr += `[stdout] ${line}\n`;
      return;
    }
    if (event.event === 'error') {
      this.failAll(this.failure(event.message));
      return;
    }
    const at = this.waiters.findIndex((w) => w.event === event.event);
    const waiter = at >= 0 ? this.waiters.splice(at, 1)[0] : undefined;
    if (waiter) waiter.resolve(event);
    else this.queued.push(event);
  }

  private failAll(error: Error): void {
    this.failed ??= error;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  private failure(what: string): Error {
    const tail = this.stderr.trim().split('\n').slice(-20).join('\n');
    return new Error(`${this.name} (pid ${this.pid}): ${what}${tail ? `\n${tail}` : ''}`);
  }
}
