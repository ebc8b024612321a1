/** Mutations of a stream of valid frames: bit flips, truncation, corrupted length prefixes, inserted bytes. */
import type { Message } from '../src/protocol/messages.js';
import { encodeMessage } from '../src/protocol/parse.js';
import type { Mutation } from './generators.js';
import type { FuzzPeer, Wire } from './peer.js';

export function frameMessages(peer: FuzzPeer, messages: readonly Message[]): Buffer[] {
  return messages.map((m) => peer.frame(encodeMessage(m)));
}

/** The frames concatenated, then each mutation applied in order (positions taken modulo the length). */
export function applyMutations(frames: readonly Buffer[], mutations: readonly Mutation[], wire: Wire): Buffer {
  const starts: number[] = [];
  let total = 0;
  for (const f of frames) {
    starts.push(total);
    total += f.length;
  }
  let bytes = Buffer.concat(frames);
  for (const m of mutations) {
    if (bytes.length === 0) break;
    switch (m.op) {
      case 'flip': {
        const at = m.at % bytes.length;
        bytes[at] = bytes[at]! ^ (1 << m.bit);
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, m.at % bytes.length);
        break;
      case 'splice': {
        const at = m.at % (bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      }
      case 'length': {
        const start = starts[m.frame % starts.length]!;
        if (wire === 'rawsocket') {
          if (start + 4 <= bytes.length) bytes.writeUIntBE(m.value % 2 ** 24, start + 1, 3);
        } else if (start + 2 <= bytes.length) {
          // Keep the mask bit; the 7-bit length may now say 126/127 and borrow the next octets as an extended length.
          bytes[start + 1] = 0x80 | (m.value % 128);
        }
        break;
      }
    }
  }
  return bytes;
}
