import { z } from 'zod';

/** The router-side bootstrap procedures (src/dht/bootstrap/install.ts). */
export const DhtBootstrapProcedure = {
  announce: 'thoth.dht.announce',
  contacts: 'thoth.dht.contacts',
} as const;

/** Published by the router when a device is revoked: the nodes certified to it, cut off until `until` (ms). */
export const DhtRevokedTopic = 'thoth.dht.on_revoked';
export const revokedEventSchema = z.object({
  nodes: z.array(z.string().regex(/^[0-9a-f]{32}$/)).max(1024),
  until: z.number().int().nonnegative(),
});
export type RevokedEvent = z.infer<typeof revokedEventSchema>;

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
  /** The node's raw Ed25519 public key, base64url; with `proof`, the router answers a membership certificate. */
  key: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a node key is 32 bytes in base64url (43 characters)').optional(),
  /** base64url signature by the node key over "thoth-dht-announce-v1\0" + id + the caller's session id (decimal). */
  proof: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a proof is a 64-byte signature in base64url (86 characters)').optional(),
}).refine((input) => (input.key === undefined) === (input.proof === undefined), { message: 'key and proof go together', path: ['proof'] });

export const contactsInputSchema = z.strictObject({ limit: limitSchema });

export const contactSchema = z.object({ id: z.string(), host: z.string(), port: z.number().int() });
export type DhtContact = z.infer<typeof contactSchema>;

/** Both procedures answer this: live contacts (oldest announce first) and the caller's address as the router sees it. */
export const contactsReplySchema = z.object({
  contacts: z.array(contactSchema),
  /** null when the session is not over TCP (Unix socket, in-process). */
  observed_host: z.string().nullable(),
  /** Only to an announce with key and proof: the node's certificate, the authority's raw key (base64url), and when the certificate expires (ms). */
  membership: z.object({ certificate: z.string(), authority: z.string(), expires: z.number().int() }).optional(),
});
export type ContactsReply = z.infer<typeof contactsReplySchema>;
