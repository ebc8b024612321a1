import type { Message } from './messages.js';

export type ParseResult = { ok: true; message: Message } | { ok: false; reason: string };

/**
 * Validate a decoded value (from any serializer) into a typed message: type code,
 * arity, field types, URI syntax, id range 1..2^53. Never throws.
 * TODO(protocol helper): implement.
 */
export function parseMessage(value: unknown): ParseResult {
  void value;
  return { ok: false, reason: 'not implemented' };
}

/** The wire array for a message (trailing empty args/kwargs omitted). */
export function encodeMessage(message: Message): unknown[] {
  void message;
  return [];
}
