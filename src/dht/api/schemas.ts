import { z } from 'zod';
import { peerInfoSchema } from '../net/wire.js';

/**
 * What apps and the agent's DHT procedures exchange: key names (hashed to 128-bit keys with
 * keyOf), values, and the answers. Shared by the agent's procedures, the remote client and
 * the CLI, so both ends validate the same shapes.
 */

export const MAX_KEY_NAME_LENGTH = 1024;

export const keyNameSchema = z.string().min(1, 'a key is a non-empty string').max(MAX_KEY_NAME_LENGTH, `a key is at most ${MAX_KEY_NAME_LENGTH} characters`);
const versionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const putInputSchema = z.strictObject({
  key: keyNameSchema,
  value: z.unknown().refine((value) => value !== undefined, 'a value is required (null is a value)'),
  version: versionSchema.optional(),
});
export const keyInputSchema = z.strictObject({ key: keyNameSchema });
export const removeInputSchema = z.strictObject({ key: keyNameSchema, version: versionSchema.optional() });
export const routeInputSchema = z.strictObject({ key: keyNameSchema, message: z.unknown().optional() });
export const statusInputSchema = z.strictObject({});

export const storedValueSchema = z.object({
  key: z.string(),
  value: z.unknown(),
  version: versionSchema,
  writer: z.string(),
  removed: z.literal(true).optional(),
});
export type StoredValue = z.infer<typeof storedValueSchema>;

export const removalSchema = z.object({ key: z.string(), removed: z.boolean(), version: versionSchema, writer: z.string() });
export type RemovalResult = z.infer<typeof removalSchema>;

export const routedSchema = z.object({
  key: z.string(),
  /** The 128-bit key (hex) the name hashes to. */
  id: z.string(),
  root: peerInfoSchema,
  hops: z.number().int().min(0),
  result: z.unknown(),
  /** A forward handler stopped the message at `root`, before the key's root. */
  stopped: z.literal(true).optional(),
});
export type Routed = z.infer<typeof routedSchema>;

export const dhtStatusSchema = z.object({
  id: z.string(),
  host: z.string(),
  port: z.number().int(),
  phase: z.enum(['idle', 'listening', 'joining', 'running', 'closed']),
  leafSet: z.object({ smaller: z.array(peerInfoSchema), larger: z.array(peerInfoSchema) }),
  routingTable: z.object({
    entries: z.number().int(),
    /** Filled slots of each row in use; a row has 2^b - 1 usable slots (the owner's own digit never fills). */
    rows: z.array(z.object({ row: z.number().int(), filled: z.number().int(), slots: z.number().int() })),
  }),
  neighborhood: z.number().int(),
  replicas: z.number().int(),
  storage: z.object({ keys: z.number().int(), bytesUsed: z.number().int(), maxBytes: z.number().int(), path: z.string().nullable() }),
  /** open: nobody authenticated (loopback only); authenticated: peers show certificates from `authority` (base64url key). */
  security: z.object({
    mode: z.enum(['open', 'authenticated']),
    authority: z.string().nullable(),
    /** When this node's own certificate expires (ISO 8601), null before it has one. */
    expires: z.string().nullable(),
  }),
});
export type DhtStatus = z.infer<typeof dhtStatusSchema>;
