import { z } from 'zod';

/** Any object with a host and a port (a node's PeerInfo too). */
const addressSchema = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });
const positiveMs = z.number().int().positive();

/** startDhtNode's options; unknown keys and bad values are refused with the key named. */
export const dhtNodeOptionsSchema = z.strictObject({
  /** The address to listen on; 0.0.0.0 or :: need advertiseHost. */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0: any free port. */
  port: z.number().int().min(0).max(65535).default(0),
  /** The host other nodes reach this one at (default: host). */
  advertiseHost: z.string().min(1).optional(),
  /** Keep values (and the node id) in <dataDir>/dht/store.db; absent: in memory, a new id each start. */
  dataDir: z.string().min(1).optional(),
  /** Live nodes of the overlay, tried nearest (lowest RTT) first; empty: this node starts a new overlay. */
  bootstrap: z.union([addressSchema, z.array(addressSchema)]).default([]),
  /** k: copies of each value, on the k live nodes numerically closest to its key. */
  replicas: z.number().int().min(1).max(16).default(3),
  /** Cap of this node's local storage in bytes. */
  maxBytes: z.number().int().positive().default(64 * 1024 * 1024),
  keepAliveIntervalMs: positiveMs.optional(),
  keepAliveTimeoutMs: positiveMs.optional(),
  requestTimeoutMs: positiveMs.optional(),
  pastry: z.strictObject({ b: z.number().int().optional(), l: z.number().int().optional(), m: z.number().int().optional() }).optional(),
});

export type DhtNodeSettings = z.output<typeof dhtNodeOptionsSchema>;
