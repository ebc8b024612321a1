import type { Dict, Message } from '../protocol/messages.js';
import type { Connection } from '../transport/connection.js';
import { Peer, type Identity, type SessionSummary } from './peer.js';

/** An established session on the other end of a Connection. */
export class RemotePeer extends Peer {
  readonly isInternal = false;

  constructor(id: number, identity: Identity, roles: Dict, private readonly connection: Connection) {
    super(id, identity, roles);
  }

  send(message: Message): boolean {
    return this.connection.send(message);
  }

  get summary(): SessionSummary {
    const c = this.connection;
    return { session: this.id, ...this.identity, transport: { type: c.transport, serializer: c.serializer, peer: c.remoteAddress } };
  }
}
