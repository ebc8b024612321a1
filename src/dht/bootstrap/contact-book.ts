import type { DhtContact } from './schemas.js';

/**
 * The DHT contact points the router knows: one per session that announced a node, forgotten
 * when that session leaves. Kept in announce order, so newcomers are sent to the nodes that
 * have been in the overlay longest.
 */
export class ContactBook {
  private readonly bySession = new Map<number, DhtContact>();

  get size(): number {
    return this.bySession.size;
  }

  /**
   * Record `contact` for `session` (replacing what it, or another session with the same node
   * id, announced before); returns every other contact, oldest first, at most `limit`.
   */
  announce(session: number, contact: DhtContact, limit: number): DhtContact[] {
    this.bySession.delete(session);
    for (const [other, known] of this.bySession) if (known.id === contact.id) this.bySession.delete(other);
    const others = this.list(limit);
    this.bySession.set(session, { id: contact.id, host: contact.host, port: contact.port });
    return others;
  }

  /** Forget what `session` announced; whether it had. */
  forget(session: number): boolean {
    return this.bySession.delete(session);
  }

  /** Live contacts, oldest first, at most `limit`, without the one `except` announced. */
  list(limit: number, except?: number): DhtContact[] {
    const out: DhtContact[] = [];
    for (const [session, contact] of this.bySession) {
      if (out.length >= limit) break;
      if (session !== except) out.push(contact);
    }
    return out;
  }
}
