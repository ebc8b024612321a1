export { installDhtBootstrap } from './install.js';
export { ContactBook } from './contact-book.js';
export { observedHost } from './observed-host.js';
export { DhtBootstrapProcedure, contactsReplySchema, type DhtContact, type ContactsReply } from './schemas.js';
