import type { Dict, Message } from '../protocol/messages.js';
import type { Connection } from '../transport/connection.js';
import { Peer, type Identity, type SessionSummary } from './peer.js';

/** An established session on the other end of a Connection. */
export class RemotePeer extends Peer {
  readonly isInternal = false;

  constructor(
    id: number,
    identity: Identity,
    roles: Dict,
    private readonly connection: Connection,
    private readonly onKill: (reason: string, message: string) => void,
  ) {
    super(id, identity, roles);
  }

  kill(reason: string, message: string): void {
    this.onKill(reason, message);
  }

  send(message: Message): boolean {
    return this.connection.send(message);
  }

  override get gone(): boolean {
    return this.connection.closed;
  }

  get summary(): SessionSummary {
    const c = this.connection;
    return { session: this.id, ...this.identity, transport: { type: c.transport, serializer: c.serializer, peer: c.remoteAddress } };
  }
}
