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
import { announceInputSchema, contactsInputSchema, DhtBootstrapProcedure, type ContactsReply } from './schemas.js';

/**
 * Bootstrap of the DHT through the router: `thoth.dht.announce` records the caller's node as
 * (the address the router sees for its session, the announced port) and answers the contacts
 * announced before it; `thoth.dht.contacts` answers the live contacts. A contact is forgotten
 * when its session leaves. A new device thus needs nothing but the router to join the overlay.
 */
export function installDhtBootstrap(router: Router, options: { realm?: string } = {}): ContactBook {
  const name = options.realm ?? router.settings.realms[0] ?? 'thoth';
  const realm = router.realm(name);
  if (realm === undefined) throw new Error(`invalid DHT bootstrap options: the router serves no realm "${name}"`);
  const book = new ContactBook();
  realm.listeners.push({ sessionLeft: (peer) => void book.forget(peer.id) });
  realm.provide(DhtBootstrapProcedure.announce, (_args, kwargs, details) => {
    const caller = callerOf(realm, details.caller);
    const input = parse(announceInputSchema, kwargs, DhtBootstrapProcedure.announce);
    const seen = observedHost(caller.summary.transport.peer);
    const host = seen ?? input.host;
    if (host === undefined) {
      throw new ProcedureError(ErrorUri.invalidArgument, `${DhtBootstrapProcedure.announce}: host: required when the session is not over TCP (the router sees no address for it)`);
    }
    const contacts = book.announce(caller.id, { id: input.id, host, port: input.port }, input.limit);
    return { contacts, observed_host: seen } satisfies ContactsReply;
  });
  realm.provide(DhtBootstrapProcedure.contacts, (_args, kwargs, details) => {
    const caller = callerOf(realm, details.caller);
    const { limit } = parse(contactsInputSchema, kwargs, DhtBootstrapProcedure.contacts);
    return { contacts: book.list(limit, caller.id), observed_host: observedHost(caller.summary.transport.peer) } satisfies ContactsReply;
  });
  return book;
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
