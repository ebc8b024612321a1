import { z } from 'zod';
import { recordSchema } from './record.js';

const hexId = z.string().regex(/^[0-9a-f]{32}$/);

/** Storage messages routed to a key's root. */
export const routedOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('put'), record: recordSchema }),
  z.object({ op: z.literal('set-remove'), elements: z.array(z.string().max(4096)).max(10000) }),
  z.object({ op: z.literal('get') }),
  z.object({ op: z.literal('app'), data: z.unknown() }),
]);
export type RoutedOp = z.infer<typeof routedOpSchema>;

/** Storage messages sent straight to a replica. */
export const directOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('store'), key: hexId, record: recordSchema }),
  z.object({ op: z.literal('fetch'), key: hexId }),
]);
export type DirectOp = z.infer<typeof directOpSchema>;

export const recordReplySchema = z.object({ record: recordSchema.nullable() });
export const appReplySchema = z.object({ result: z.unknown() });
