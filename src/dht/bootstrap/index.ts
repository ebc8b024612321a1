export { installDhtBootstrap, type DhtBootstrap, type DhtBootstrapOptions } from './install.js';
export { ContactBook } from './contact-book.js';
export { OverlayAuthority, DEFAULT_CERTIFICATE_TTL_MS, type IssuedMembership } from './certifier.js';
export { announceProof } from './announce-proof.js';
export { observedHost } from './observed-host.js';
export { DhtBootstrapProcedure, DhtRevokedTopic, contactsReplySchema, revokedEventSchema, type DhtContact, type ContactsReply, type RevokedEvent } from './schemas.js';
