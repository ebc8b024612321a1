import type { Dict, Message, MessageOf, MessageType } from '../../src/protocol/messages.js';
import { Router, type RouterOptions } from '../../src/router/index.js';
import { FakeConnection } from './fake-connection.js';

export const allRoles: Dict = {
  caller: { features: { progressive_call_results: true, call_canceling: true, caller_identification: true, call_timeout: true } },
  callee: { features: { progressive_call_results: true, call_canceling: true, caller_identification: true, pattern_based_registration: true, shared_registration: true } },
  publisher: { features: { publisher_exclusion: true, publisher_identification: true } },
  subscriber: { features: { pattern_based_subscription: true } },
};

/** A session joined to a router through a FakeConnection, speaking typed messages. */
export class TestPeer {
  sessionId = 0;
  private requestId = 0;
  constructor(readonly connection: FakeConnection) {}

  nextId(): number {
    return ++this.requestId;
  }
  send(message: Message): void {
    this.connection.deliver(message);
  }
  next<T extends MessageType>(type?: T): Promise<MessageOf<T>> {
    return this.connection.next(type);
  }

  async register(procedure: string, options: Dict = {}): Promise<number> {
    const requestId = this.nextId();
    this.send({ type: 'REGISTER', requestId, options, procedure });
    const reply = await this.next();
    if (reply.type !== 'REGISTERED') throw new Error(`expected REGISTERED, got ${JSON.stringify(reply)}`);
    return reply.registrationId;
  }

  async subscribe(topic: string, options: Dict = {}): Promise<number> {
    const requestId = this.nextId();
    this.send({ type: 'SUBSCRIBE', requestId, options, topic });
    const reply = await this.next();
    if (reply.type !== 'SUBSCRIBED') throw new Error(`expected SUBSCRIBED, got ${JSON.stringify(reply)}`);
    return reply.subscriptionId;
  }

  /** Send a CALL; returns its request id. */
  call(procedure: string, args?: unknown[], options: Dict = {}, kwargs?: Dict): number {
    const requestId = this.nextId();
    this.send({ type: 'CALL', requestId, options, procedure, args, kwargs });
    return requestId;
  }

  /** Call and await the RESULT or ERROR. */
  async callAndWait(procedure: string, args?: unknown[], options: Dict = {}, kwargs?: Dict): Promise<MessageOf<'RESULT'> | MessageOf<'ERROR'>> {
    const requestId = this.call(procedure, args, options, kwargs);
    const reply = await this.connection.nextMatching((m) => (m.type === 'RESULT' || (m.type === 'ERROR' && m.requestType === 48)) && m.requestId === requestId);
    return reply as MessageOf<'RESULT'> | MessageOf<'ERROR'>;
  }
}

export async function join(router: Router, options: { realm?: string; roles?: Dict; isLocal?: boolean; details?: Dict; maxBytes?: number } = {}): Promise<TestPeer> {
  const connection = new FakeConnection({ isLocal: options.isLocal, maxBytes: options.maxBytes });
  router.attach(connection);
  const peer = new TestPeer(connection);
  connection.deliver({ type: 'HELLO', realm: options.realm ?? 'thoth', details: { roles: options.roles ?? allRoles, ...options.details } });
  const welcome = await connection.next();
  if (welcome.type !== 'WELCOME') throw new Error(`expected WELCOME, got ${JSON.stringify(welcome)}`);
  peer.sessionId = welcome.sessionId;
  return peer;
}

/** A router whose close() does not wait for GOODBYE replies (fake peers never send them). */
export function newRouter(options: RouterOptions = {}): Router {
  // Unit tests attach fake connections from one made-up address in bursts; the rate limit has its own tests (session-limits.test.ts).
  return new Router({ shutdownTimeoutMs: 0, ...options, limits: { connectionRate: false, ...options.limits } });
}
