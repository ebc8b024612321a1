import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MessageCode } from '../../src/protocol/messages.js';
import { encodeMessage, parseMessage, type ParseResult } from '../../src/protocol/parse.js';
import { message as messageArb } from './arbitraries.js';

const anything = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

const codes = [...Object.values(MessageCode), 0, 7, 99, 256, -1];

function wellShaped(result: ParseResult): void {
  if (result.ok) {
    assert.equal(typeof result.message.type, 'string');
  } else {
    assert.equal(typeof result.reason, 'string');
    assert.ok(result.reason.length > 0);
  }
}

describe('parseMessage never throws', () => {
  it('on any value', () => {
    fc.assert(fc.property(anything, (value) => wellShaped(parseMessage(value))), { numRuns: 300 });
  });

  it('on arrays that start with a message type', () => {
    const wire = fc.tuple(fc.constantFrom(...codes), fc.array(anything, { maxLength: 7 })).map(([code, rest]) => [code, ...rest]);
    fc.assert(fc.property(wire, (value) => wellShaped(parseMessage(value))), { numRuns: 300 });
  });

  it('on valid messages with one element replaced, added or dropped', () => {
    const mutated = fc.tuple(messageArb, fc.nat(), anything, fc.constantFrom('replace', 'insert', 'drop')).map(([message, at, value, how]) => {
      const wire = encodeMessage(message);
      const i = 1 + (at % wire.length);
      if (how === 'replace') wire[i] = value;
      else if (how === 'insert') wire.splice(i, 0, value);
      else wire.splice(i, 1);
      return wire;
    });
    fc.assert(fc.property(mutated, (value) => wellShaped(parseMessage(value))), { numRuns: 300 });
  });
});
