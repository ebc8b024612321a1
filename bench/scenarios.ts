import type { SerializerName } from '../src/codec/serializer.js';

export type TransportName = 'rawsocket' | 'websocket';
export type PayloadName = 'small' | 'large';

/** One cell of the table: thoth over `transport`, compared with the relay for the same serializer, payload and outstanding. */
export interface Scenario {
  transport: TransportName;
  serializer: SerializerName;
  payload: PayloadName;
  outstanding: number;
}

export const transports: readonly TransportName[] = ['rawsocket', 'websocket'];
export const serializerOrder: readonly SerializerName[] = ['msgpack', 'json'];
export const payloads: readonly PayloadName[] = ['small', 'large'];
export const outstandingCounts: readonly number[] = [1, 64];

/** Characters of the string echoed: ~100 bytes, and 16 KiB. */
export const payloadBytes: Readonly<Record<PayloadName, number>> = { small: 100, large: 16 * 1024 };

/** The positional args of every echo call: one ASCII string of the payload's size. */
export function payloadArgs(payload: PayloadName): [string] {
  const size = payloadBytes[payload];
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let text = '';
  for (let i = 0; i < size; i++) text += alphabet[i % alphabet.length];
  return [text];
}

export function allScenarios(): Scenario[] {
  const list: Scenario[] = [];
  for (const transport of transports)
    for (const serializer of serializerOrder)
      for (const payload of payloads)
        for (const outstanding of outstandingCounts) list.push({ transport, serializer, payload, outstanding });
  return list;
}

export function scenarioLabel(s: Scenario): string {
  return `${s.transport} ${s.serializer} ${s.payload} x${s.outstanding}`;
}

/** The relay has no WAMP transport: one relay cell serves both thoth transports. */
export function relayKey(s: Scenario): string {
  return `${s.serializer} ${s.payload} x${s.outstanding}`;
}

/** `--only` filter: every space- or comma-separated word must occur in the label (e.g. "rawsocket msgpack small x64"). */
export function matchesFilter(s: Scenario, filter: string | undefined): boolean {
  if (!filter) return true;
  const label = scenarioLabel(s);
  const words = label.split(' ');
  return filter
    .split(/[\s,]+/)
    .filter((w) => w.length > 0)
    .every((w) => words.includes(w));
}
