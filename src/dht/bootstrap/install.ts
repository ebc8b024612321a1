import type { z } from 'zod';
import { formatZodError } from '../../common/zod-error.js';
import { ErrorUri } from '../../protocol/error-uris.js';
import type { Kwargs } from '../../protocol/messages.js';
import { ProcedureError } from '../../router/internal-session.js';
import type { Peer } from '../../router/peer.js';
import type { Realm } from '../../router/realm.js';
import type { Router } from '../../router/router.js';
import { ContactBook } from './contact-book.js';
import { observedHost } from './observed-host.js';
import { CertifyError, OverlayAuthority, type IssuedMembership } from './certifier.js';
import { announceInputSchema, contactsInputSchema, DhtBootstrapProcedure, DhtRevokedTopic, type ContactsReply, type RevokedEvent } from './schemas.js';

/**
 * Bootstrap of the DHT through the router: `thoth.dht.announce` records the caller's node as
 * (the address the router sees for its session, the announced port) and answers the contacts
 * announced before it; `thoth.dht.contacts` answers the live contacts. A contact is forgotten
 * when its session leaves. A new device thus needs nothing but the router to join the overlay.
 * An announce with the node's key and a proof of it is answered a membership certificate too
 * (the router is the overlay's authority, docs/dht.md "Peer authentication").
 */
export interface DhtBootstrapOptions {
  realm?: string;
  /** Signs the overlay's membership certificates; a fresh key when absent (certificates then last only as long as the router). */
  authority?: OverlayAuthority;
  /** Device pairing (src/mesh): a revoked device's nodes are revoked in the overlay too. */
  pairing?: { onChange(listener: (key: { device: string; state: string }) => void): unknown };
}

export interface DhtBootstrap {
  readonly contacts: ContactBook;
  readonly authority: OverlayAuthority;
  /** A holder (a device) was revoked: publish thoth.dht.on_revoked with its nodes, so every node cuts them off. */
  revokeHolder(holder: string): void;
}

export function installDhtBootstrap(router: Router, options: DhtBootstrapOptions = {}): DhtBootstrap {
  const name = options.realm ?? router.settings.realms[0] ?? 'thoth';
  const realm = router.realm(name);
  if (realm === undefined) throw new Error(`invalid DHT bootstrap options: the router serves no realm "${name}"`);
  const book = new ContactBook();
  const authority = options.authority ?? new OverlayAuthority();
  realm.listeners.push({ sessionLeft: (peer) => void book.forget(peer.id) });
  realm.provide(DhtBootstrapProcedure.announce, (_args, kwargs, details) => {
    const caller = callerOf(realm, details.caller);
    const input = parse(announceInputSchema, kwargs, DhtBootstrapProcedure.announce);
    const seen = observedHost(caller.summary.transport.peer);
    const host = seen ?? input.host;
    if (host === undefined) {
      throw new ProcedureError(ErrorUri.invalidArgument, `${DhtBootstrapProcedure.announce}: host: required when the session is not over TCP (the router sees no address for it)`);
    }
    let membership: IssuedMembership | undefined;
    if (input.key !== undefined && input.proof !== undefined) {
      try {
        membership = authority.certify(caller.identity.authid, caller.id, input.id, input.key, input.proof);
      } catch (error) {
        if (error instanceof CertifyError) throw new ProcedureError(ErrorUri.invalidArgument, `${DhtBootstrapProcedure.announce}: ${error.message}`);
        throw error;
      }
    }
    const contacts = book.announce(caller.id, { id: input.id, host, port: input.port }, input.limit);
    return { contacts, observed_host: seen, ...(membership === undefined ? {} : { membership }) } satisfies ContactsReply;
  });
  realm.provide(DhtBootstrapProcedure.contacts, (_args, kwargs, details) => {
    const caller = callerOf(realm, details.caller);
    const { limit } = parse(contactsInputSchema, kwargs, DhtBootstrapProcedure.contacts);
    return { contacts: book.list(limit, caller.id), observed_host: observedHost(caller.summary.transport.peer) } satisfies ContactsReply;
  });
  const revokeHolder = (holder: string): void => {
    const revoked = authority.revokeHolder(holder);
    if (revoked.nodes.length > 0) realm.broker.publishInternal(realm.internal, DhtRevokedTopic, [], { nodes: revoked.nodes, until: revoked.until } satisfies RevokedEvent);
  };
  options.pairing?.onChange((key) => {
    if (key.state === 'revoked') revokeHolder(key.device);
  });
  return { contacts: book, authority, revokeHolder };
}

function callerOf(realm: Realm, session: number): Peer {
  const caller = realm.sessions.get(session);
  if (caller === undefined) throw new ProcedureError(ErrorUri.noSuchSession, 'the calling session has left');
  return caller;
}

function parse<S extends z.ZodType>(schema: S, kwargs: Kwargs, procedure: string): z.output<S> {
  const parsed = schema.safeParse(kwargs);
  if (!parsed.success) throw new ProcedureError(ErrorUri.invalidArgument, `${procedure}: ${formatZodError(parsed.error, 'kwargs')}`);
  return parsed.data;
}
