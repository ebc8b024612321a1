/**
 * Arrays and maps nested deeper than this are refused by decode, so that every
 * value a serializer decodes can be encoded again: JSON.stringify and msgpackr
 * both recurse, and overflow the stack a few thousand levels down, well within
 * the reach of a small message.
 */
export const MAX_NESTING = 100;

/** Whether arrays/plain objects in `value` nest more than `max` deep (the value itself is level 1). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  return typeof value === 'object' && value !== null && containerNestsDeeperThan(value, max);
}

/* Runs on every decoded message: recurses only into objects, never calls itself for a leaf. */
function containerNestsDeeperThan(container: object, max: number): boolean {
  if (max <= 0) return true;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const item: unknown = container[i];
      if (typeof item === 'object' && item !== null && containerNestsDeeperThan(item, max - 1)) return true;
    }
    return false;
  }
  if (container instanceof Uint8Array) return false;
  const dict = container as Record<string, unknown>;
  for (const key in dict) {
    const item = dict[key];
    if (typeof item === 'object' && item !== null && containerNestsDeeperThan(item, max - 1)) return true;
  }
  return false;
}
