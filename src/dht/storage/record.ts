import { z } from 'zod';

/**
 * What a replica stores under a key. `lww`: one value with a (version, writer) pair, the
 * greater pair winning; `deleted` marks a removal (a tombstone, so replicas that missed the
 * removal cannot bring the value back). `set`: an observed-remove set; every add carries a
 * unique tag, a remove tombstones the tags it saw, so an add concurrent with a remove survives it.
 */
export const recordSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('lww'),
    version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    writer: z.string().min(1).max(200),
    value: z.unknown(),
    deleted: z.literal(true).optional(),
  }),
  z.object({
    kind: z.literal('set'),
    adds: z.array(z.object({ element: z.string().max(4096), tag: z.string().min(1).max(200) })),
    removed: z.array(z.string().min(1).max(200)),
  }),
]);
export type StoredRecord = z.infer<typeof recordSchema>;
export type LwwRecord = Extract<StoredRecord, { kind: 'lww' }>;
export type SetRecord = Extract<StoredRecord, { kind: 'set' }>;

export class RecordKindError extends Error {
  override readonly name = 'RecordKindError';
  readonly code = 'DHT_KIND_MISMATCH';
}

/** Whether `a` wins over `b`: higher version, then the greater writer id. */
export function lwwWins(a: LwwRecord, b: LwwRecord): boolean {
  return a.version > b.version || (a.version === b.version && a.writer > b.writer);
}

/** The merge of two records of one key; commutative, associative, idempotent. */
export function mergeRecords(a: StoredRecord, b: StoredRecord): StoredRecord {
  if (a.kind === 'lww' && b.kind === 'lww') return lwwWins(b, a) ? b : a;
  if (a.kind === 'set' && b.kind === 'set') return mergeSets(a, b);
  throw new RecordKindError(`cannot merge a ${a.kind} record with a ${b.kind} record`);
}

function mergeSets(a: SetRecord, b: SetRecord): SetRecord {
  const removed = new Set([...a.removed, ...b.removed]);
  const adds = new Map<string, string>();
  for (const add of [...a.adds, ...b.adds]) if (!removed.has(add.tag)) adds.set(add.tag, add.element);
  const sortedAdds = [...adds].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([tag, element]) => ({ element, tag }));
  return { kind: 'set', adds: sortedAdds, removed: [...removed].sort() };
}

/** The elements present in a set record, sorted. */
export function setElements(record: SetRecord): string[] {
  const removed = new Set(record.removed);
  const present = new Set<string>();
  for (const add of record.adds) if (!removed.has(add.tag)) present.add(add.element);
  return [...present].sort();
}

/** The delta that removes every observed add of `elements`. */
export function removalOf(record: SetRecord, elements: readonly string[]): SetRecord {
  const drop = new Set(elements);
  return { kind: 'set', adds: [], removed: record.adds.filter((add) => drop.has(add.element)).map((add) => add.tag) };
}
