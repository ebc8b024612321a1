import WebSocket from 'ws';
import { within } from './deadline.js';
import { Conditions } from './conditions.js';

const defaultRoles = { caller: { features: { call_canceling: true } }, callee: { features: { call_canceling: true } } };

/** A bare WebSocket (subprotocol wamp.2.json) that sends whatever JSON it is given. */
export class WsProbe {
  readonly messages: unknown[] = [];
  private readonly conditions = new Conditions();
  readonly closed: Promise<{ code: number; reason: string }>;
  private isClosed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? data.toString('utf8') : data.toString();
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = { unparsable: text };
      }
      this.messages.push(value);
      this.conditions.changed();
    });
    ws.on('error', () => { /* 'close' follows */ });
    this.closed = new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => {
      this.isClosed = true;
      this.conditions.changed();
      resolve({ code, reason: reason.toString() });
    }));
  }

  static async open(url: string): Promise<WsProbe> {
    const ws = new WebSocket(url, ['wamp.2.json']);
    await within(new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    }), 5_000, `a WebSocket connection to ${url}`);
    return new WsProbe(ws);
  }

  /**
   * A probe that has joined realm thoth: HELLO sent, WELCOME received (as the
   * first message). `roles` defaults to a callee and caller that can be interrupted.
   */
  static async join(url: string, roles: Record<string, unknown> = defaultRoles): Promise<WsProbe> {
    const probe = await WsProbe.open(url);
    probe.send([1, 'thoth', { roles }]);
    const welcome = await probe.message(0, 'WELCOME');
    if (!Array.isArray(welcome) || welcome[0] !== 2) {
      probe.close();
      throw new Error(`expected WELCOME, got ${JSON.stringify(welcome)}`);
    }
    return probe;
  }

  send(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  /** The message at `index` (0 = the first the router sent), waiting for it if needed. */
  async message(index: number, what: string, timeoutMs = 5_000): Promise<unknown> {
    await within(this.conditions.until(() => this.messages.length > index || this.isClosed), timeoutMs, what);
    if (this.messages.length <= index) throw new Error(`the router closed the WebSocket before sending ${what}; got ${JSON.stringify(this.messages)}`);
    return this.messages[index];
  }

  /** The first message (already received or still to come) that passes `test`. */
  async waitFor(test: (message: unknown) => boolean, what: string, timeoutMs = 5_000): Promise<unknown> {
    await within(this.conditions.until(() => this.messages.some(test) || this.isClosed), timeoutMs, what);
    const found = this.messages.find(test);
    if (found === undefined) throw new Error(`the router closed the WebSocket before sending ${what}; got ${JSON.stringify(this.messages)}`);
    return found;
  }

  async waitForClose(what: string, timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return within(this.closed, timeoutMs, what);
  }

  close(): void {
    this.ws.terminate();
  }
}
