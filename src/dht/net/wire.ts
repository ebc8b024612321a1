import { z } from 'zod';

/**
 * The messages real Pastry nodes exchange, validated here at the edge: every frame is a
 * request (`req`) answered by exactly one result (`res`) or error (`err`) with the same
 * request id, on the connection the request came in on.
 */

/** Routes longer than this are refused: a loop, since Pastry needs about log_16 N hops. */
export const MAX_HOPS = 64;

const hexId = z.string().regex(/^[0-9a-f]{32}$/);

export const peerInfoSchema = z.object({
  id: hexId,
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
});
export type PeerInfo = z.infer<typeof peerInfoSchema>;

/** What one node on a join path hands the joiner: itself and the nodes its state holds. */
export const snapshotSchema = z.object({
  self: peerInfoSchema,
  table: z.array(peerInfoSchema).max(4096),
  leaves: z.array(peerInfoSchema).max(512),
  neighbors: z.array(peerInfoSchema).max(512),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

export const routeBodySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('join'), path: z.array(snapshotSchema).max(MAX_HOPS + 1) }),
  z.object({ kind: z.literal('app'), data: z.unknown() }),
]);
export type RouteBody = z.infer<typeof routeBodySchema>;

export const requestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('announce') }),
  z.object({ type: z.literal('leafset') }),
  z.object({ type: z.literal('leave') }),
  z.object({ type: z.literal('entry'), row: z.number().int().min(0).max(127), column: z.number().int().min(0).max(255) }),
  z.object({ type: z.literal('route'), key: hexId, hops: z.number().int().min(0).max(MAX_HOPS), body: routeBodySchema }),
  z.object({ type: z.literal('direct'), data: z.unknown() }),
]);
export type Request = z.infer<typeof requestSchema>;
export type RequestType = Request['type'];

const rid = z.number().int().min(0).max(2 ** 32);

export const frameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('req'), rid, from: peerInfoSchema, body: requestSchema }),
  z.object({ t: z.literal('res'), rid, body: z.unknown() }),
  z.object({ t: z.literal('err'), rid, code: z.string().max(100), message: z.string().max(2000) }),
]);
export type Frame = z.infer<typeof frameSchema>;

/** Replies, by request type. */
export const pongSchema = z.object({ self: peerInfoSchema });
export const leafSetReplySchema = z.object({ members: z.array(peerInfoSchema).max(512) });
export const ackSchema = z.object({ ok: z.literal(true) });
export const deliveredSchema = z.object({
  root: peerInfoSchema,
  hops: z.number().int().min(0).max(MAX_HOPS),
  result: z.unknown(),
});
export type Delivered = z.infer<typeof deliveredSchema>;
export const joinResultSchema = z.object({ path: z.array(snapshotSchema).max(MAX_HOPS + 1) });
export const directReplySchema = z.object({ result: z.unknown() });
export const entryReplySchema = z.object({ entry: peerInfoSchema.nullable() });
