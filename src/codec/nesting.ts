/**
 * Arrays and maps nested deeper than this are refused by decode, so that every
 * value a serializer decodes can be encoded again: JSON.stringify and msgpackr
 * both recurse, and overflow the stack a few thousand levels down, well within
 * the reach of a small message.
 */
export const MAX_NESTING = 100;

/** Whether arrays/plain objects in `value` nest more than `max` deep (the value itself is level 1). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (nestsDeeperThan(value[i], max - 1)) return true;
    }
    return false;
  }
  if (value instanceof Uint8Array) return false;
  const dict = value as Record<string, unknown>;
  for (const key in dict) {
    if (nestsDeeperThan(dict[key], max - 1)) return true;
  }
  return false;
}
