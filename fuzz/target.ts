/**
 * What the fuzzer attacks: a real Router in this process, listening on RawSocket and
 * WebSocket on 127.0.0.1 port 0, with two bystander SDK sessions opened first (a
 * callee over WebSocket, a caller over RawSocket) whose round trip must keep working
 * after every case. The router's log lines are kept, to read why a session ended.
 */
import { Writable } from 'node:stream';
import { connect, type Session } from '../src/client/index.js';
import { createLogger } from '../src/observability/logger.js';
import { Router } from '../src/router/index.js';
import { within } from './conditions.js';

/** Small, so mutated length prefixes reach the limit often and the terminator stays short. */
export const FUZZ_MAX_MESSAGE_BYTES = 4096;
export const BYSTANDER_PROCEDURE = 'fuzz.bystander.echo';
export const BYSTANDER_TOPIC = 'fuzz.bystander.topic';

export interface LogLine {
  level: number;
  msg: string;
  session?: number;
  code?: string;
  reason?: string;
  [key: string]: unknown;
}

/** Reasons the router gives itself when it, or the peer, ends a connection normally. */
const ordinaryCloseReasons = new Set(['closed by this side', 'the peer closed the connection']);

export class FuzzTarget {
  rawPort = 0;
  wsPort = 0;
  private callee!: Session;
  private caller!: Session;
  private rounds = 0;

  private constructor(
    readonly router: Router,
    readonly logs: LogLine[],
  ) {}

  static async start(): Promise<FuzzTarget> {
    const logs: LogLine[] = [];
    const destination = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        for (const line of chunk.toString().split('\n')) if (line.length > 0) logs.push(JSON.parse(line) as LogLine);
        callback();
      },
    });
    const router = new Router({
      logger: createLogger({ level: 'info', destination }),
      limits: { maxMessageBytes: FUZZ_MAX_MESSAGE_BYTES, helloTimeoutMs: 10_000 },
      shutdownTimeoutMs: 500,
    });
    const target = new FuzzTarget(router, logs);
    await router.listen({ rawsocket: { host: '127.0.0.1', port: 0 }, websocket: { host: '127.0.0.1', port: 0 } });
    for (const url of router.urls) {
      const port = Number(new URL(url).port);
      if (url.startsWith('tcp:')) target.rawPort = port;
      else target.wsPort = port;
    }
    const options = { realm: 'thoth', reconnect: false, connectTimeoutMs: 5_000, closeTimeoutMs: 1_000 } as const;
    target.callee = await connect({ ...options, url: `ws://127.0.0.1:${target.wsPort}/ws`, serializer: 'json' });
    await target.callee.register(BYSTANDER_PROCEDURE, (args) => args[0]);
    target.caller = await connect({ ...options, url: `tcp://127.0.0.1:${target.rawPort}`, serializer: 'msgpack' });
    return target;
  }

  /** The bystander sessions, whose ids the fuzz cases must never see ended. */
  get bystanderIds(): number[] {
    return [this.callee.id, this.caller.id];
  }

  /** Drop the log lines kept so far (between cases), so a long run does not hold them all. */
  forgetLogs(): void {
    this.logs.length = 0;
  }

  /** The id of the bystander callee's registration, which no fuzz session may unregister. */
  get bystanderRegistrationId(): number {
    const registration = this.router.realm('thoth')?.dealer.table.best(BYSTANDER_PROCEDURE);
    if (registration === undefined) throw new Error('the bystander registration is gone');
    return registration.id;
  }

  /** One call round trip between the bystanders; throws when it does not come back right. */
  async checkBystander(): Promise<void> {
    const token = ++this.rounds;
    if (this.callee.state !== 'established' || this.caller.state !== 'established') {
      throw new Error(`a bystander session is ${this.callee.state}/${this.caller.state}, not established`);
    }
    const result = await within(this.caller.call(BYSTANDER_PROCEDURE, [token]), 5_000, 'the bystander round trip');
    if (result.value !== token) throw new Error(`the bystander call returned ${JSON.stringify(result.value)}, not ${token}`);
  }

  /**
   * Log lines that mean the router did something it must not under bad input: an
   * error-level line, a session of the bystanders that ended, a connection destroyed
   * for a reason that is not a transport rule (a handler that threw), or a session
   * welcomed into the realm after it was refused.
   */
  troubleSince(mark: number): string[] {
    const trouble: string[] = [];
    const refused = new Set<number | undefined>();
    for (const line of this.logs.slice(mark)) {
      if (line.msg === 'protocol violation') refused.add(line.session);
      if (line.msg === 'session joined' && refused.has(line.session)) {
        trouble.push(`session ${line.session} joined the realm after the router refused it for a protocol violation`);
      }
      if (line.level >= 50) trouble.push(`router logged an error: ${line.msg} ${JSON.stringify(line)}`);
      if (line.msg === 'session left' && line.session !== undefined && this.bystanderIds.includes(line.session)) {
        trouble.push(`a bystander session left: ${JSON.stringify(line)}`);
      }
      if ((line.msg === 'session left' || line.msg.startsWith('connection closed before')) && line.code === 'closed' && !ordinaryCloseReasons.has(line.reason ?? '')) {
        trouble.push(`a connection was destroyed for an unexpected reason (a handler threw?): ${JSON.stringify(line)}`);
      }
    }
    return trouble;
  }

  /** Close codes the router logged since `mark` for sessions other than the bystanders. */
  closeCodesSince(mark: number): string[] {
    return this.logs.slice(mark)
      .filter((l) => (l.msg === 'session left' || l.msg.startsWith('connection closed before')) && !this.bystanderIds.includes(l.session ?? -1))
      .map((l) => l.code ?? 'unknown');
  }

  /** Waits (bounded) until only the bystanders' sessions are left: no bad session leaks. */
  async settled(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.router.sessionCount > 2) {
      if (Date.now() > deadline) throw new Error(`${this.router.sessionCount - 2} fuzz sessions still open on the router after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.caller.close(), this.callee.close()]);
    await this.router.close();
  }
}
