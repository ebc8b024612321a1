import { z } from 'zod';

/** The router-side bootstrap procedures (src/dht/bootstrap/install.ts). */
export const DhtBootstrapProcedure = {
  announce: 'thoth.dht.announce',
  contacts: 'thoth.dht.contacts',
} as const;

export const MAX_CONTACTS = 64;
export const DEFAULT_CONTACTS = 16;

const limitSchema = z.number().int().min(1).max(MAX_CONTACTS).default(DEFAULT_CONTACTS);

export const announceInputSchema = z.strictObject({
  /** The node's 128-bit id, 32 lowercase hex digits. */
  id: z.string().regex(/^[0-9a-f]{32}$/, 'a node id is 32 lowercase hex digits'),
  port: z.number().int().min(1).max(65535),
  /** Used only when the router sees no IP address for the session (Unix socket, in-process). */
  host: z.string().min(1).max(255).optional(),
  limit: limitSchema,
});

export const contactsInputSchema = z.strictObject({ limit: limitSchema });

export const contactSchema = z.object({ id: z.string(), host: z.string(), port: z.number().int() });
export type DhtContact = z.infer<typeof contactSchema>;

/** Both procedures answer this: live contacts (oldest announce first) and the caller's address as the router sees it. */
export const contactsReplySchema = z.object({
  contacts: z.array(contactSchema),
  /** null when the session is not over TCP (Unix socket, in-process). */
  observed_host: z.string().nullable(),
});
export type ContactsReply = z.infer<typeof contactsReplySchema>;
