import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { serializerNames, serializers } from '../../src/codec/index.js';
import { MAX_ID } from '../../src/protocol/ids.js';
import { MessageCode, type Message, type MessageType } from '../../src/protocol/messages.js';
import { encodeMessage, parseMessage } from '../../src/protocol/parse.js';
import { message as messageArb, normalized } from './arbitraries.js';

const bin = Buffer.from([0, 1, 2, 253, 254, 255]);

/** One or more messages per type, with binary values and ids at the top of the range. */
const samples: Message[] = [
  { type: 'HELLO', realm: 'realm1', details: { roles: { caller: { features: { call_canceling: true } } }, authid: 'me' } },
  { type: 'WELCOME', sessionId: MAX_ID, details: { authrole: 'user', blob: bin } },
  { type: 'ABORT', details: { message: 'bye' }, reason: 'wamp.error.no_such_realm' },
  { type: 'CHALLENGE', authMethod: 'cryptosign', extra: { challenge: 'ab12' } },
  { type: 'AUTHENTICATE', signature: 'c2ln', extra: {} },
  { type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' },
  { type: 'ERROR', requestType: MessageCode.CALL, requestId: MAX_ID, details: {}, error: 'app.failed', args: ['why', bin], kwargs: { code: 2 ** 40 } },
  { type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: 3, details: {}, error: 'app.failed' },
  { type: 'PUBLISH', requestId: 1, options: { acknowledge: true, exclude: [MAX_ID, 2 ** 33] }, topic: 'com.app.topic', args: [bin, { nested: bin }] },
  { type: 'PUBLISHED', requestId: 1, publicationId: MAX_ID },
  { type: 'SUBSCRIBE', requestId: 2, options: { match: 'wildcard' }, topic: 'com..topic' },
  { type: 'SUBSCRIBED', requestId: 2, subscriptionId: 2 ** 32 + 1 },
  { type: 'UNSUBSCRIBE', requestId: 3, subscriptionId: 2 ** 32 + 1 },
  { type: 'UNSUBSCRIBED', requestId: 3 },
  { type: 'UNSUBSCRIBED', requestId: 0, details: { subscription: MAX_ID, reason: 'revoked' } },
  { type: 'EVENT', subscriptionId: MAX_ID, publicationId: MAX_ID - 1, details: { publisher: MAX_ID }, kwargs: { data: bin } },
  { type: 'CALL', requestId: 4, options: { timeout: 1000 }, procedure: 'com.app.proc', args: [1, 'two', null, true, 2.5, -(2 ** 40)], kwargs: { k: [bin] } },
  { type: 'CANCEL', requestId: 4, options: { mode: 'killnowait' } },
  { type: 'RESULT', requestId: 4, details: { progress: true }, args: [2 ** 53] },
  { type: 'REGISTER', requestId: 5, options: { match: 'prefix', invoke: 'roundrobin' }, procedure: 'com.app.' },
  { type: 'REGISTERED', requestId: 5, registrationId: MAX_ID },
  { type: 'UNREGISTER', requestId: 6, registrationId: MAX_ID },
  { type: 'UNREGISTERED', requestId: 6 },
  { type: 'UNREGISTERED', requestId: 0, details: { registration: MAX_ID } },
  { type: 'INVOCATION', requestId: MAX_ID, registrationId: 9, details: { caller: MAX_ID, procedure: 'com.app.proc.x' }, args: [bin] },
  { type: 'INTERRUPT', requestId: MAX_ID, options: { mode: 'kill' } },
  { type: 'YIELD', requestId: MAX_ID, options: {}, args: [], kwargs: { result: bin } },
];

describe('encodeMessage', () => {
  it('has a sample for every message type', () => {
    const covered = new Set(samples.map((m) => m.type));
    for (const type of Object.keys(MessageCode) as MessageType[]) assert.ok(covered.has(type), `no sample for ${type}`);
  });

  it('writes the wire layout of the spec', () => {
    assert.deepEqual(encodeMessage({ type: 'CALL', requestId: 1, options: {}, procedure: 'p' }), [48, 1, {}, 'p']);
    assert.deepEqual(encodeMessage({ type: 'CALL', requestId: 1, options: {}, procedure: 'p', args: [1] }), [48, 1, {}, 'p', [1]]);
    assert.deepEqual(encodeMessage({ type: 'EVENT', subscriptionId: 1, publicationId: 2, details: {}, args: [1], kwargs: { a: 1 } }), [36, 1, 2, {}, [1], { a: 1 }]);
    assert.deepEqual(encodeMessage({ type: 'ERROR', requestType: 48, requestId: 1, details: {}, error: 'e.x' }), [8, 48, 1, {}, 'e.x']);
    assert.deepEqual(encodeMessage({ type: 'UNSUBSCRIBED', requestId: 4 }), [35, 4]);
    assert.deepEqual(encodeMessage({ type: 'UNREGISTERED', requestId: 0, details: { registration: 9 } }), [67, 0, { registration: 9 }]);
    assert.deepEqual(encodeMessage({ type: 'HELLO', realm: 'r', details: {} }), [1, 'r', {}]);
  });

  it('sends [] for args when only kwargs carry something', () => {
    assert.deepEqual(encodeMessage({ type: 'RESULT', requestId: 1, details: {}, kwargs: { a: 1 } }), [50, 1, {}, [], { a: 1 }]);
  });

  it('omits trailing empty args and kwargs', () => {
    assert.deepEqual(encodeMessage({ type: 'YIELD', requestId: 1, options: {}, args: [], kwargs: {} }), [70, 1, {}]);
    assert.deepEqual(encodeMessage({ type: 'YIELD', requestId: 1, options: {}, args: [] }), [70, 1, {}]);
    assert.deepEqual(encodeMessage({ type: 'YIELD', requestId: 1, options: {}, args: [0], kwargs: {} }), [70, 1, {}, [0]]);
  });
});

describe('round trip: encodeMessage -> serializer -> parseMessage', () => {
  for (const name of serializerNames) {
    const serializer = serializers[name];

    for (const message of samples) {
      it(`${name}: ${message.type} ${JSON.stringify(encodeMessage(message)).slice(0, 60)}`, () => {
        const decoded = serializer.decode(serializer.encode(encodeMessage(message)));
        assert.deepEqual(parseMessage(decoded), { ok: true, message: normalized(message) });
      });
    }

    it(`${name}: binary values come back as Buffers with the same bytes`, () => {
      const decoded = parseMessage(serializer.decode(serializer.encode(encodeMessage(
        { type: 'CALL', requestId: 1, options: {}, procedure: 'p', args: [bin], kwargs: { b: bin, list: [bin] } },
      ))));
      assert.ok(decoded.ok && decoded.message.type === 'CALL');
      const arg = decoded.message.args?.[0];
      assert.ok(Buffer.isBuffer(arg));
      assert.ok(arg.equals(bin));
      assert.deepEqual(decoded.message.kwargs, { b: bin, list: [bin] });
    });

    it(`${name}: ids at 2^53 stay integers`, () => {
      const decoded = serializer.decode(serializer.encode(encodeMessage({ type: 'PUBLISHED', requestId: MAX_ID, publicationId: MAX_ID - 1 })));
      assert.deepEqual(decoded, [17, MAX_ID, MAX_ID - 1]);
      assert.ok(Array.isArray(decoded) && decoded.every((v) => Number.isSafeInteger(v) || v === MAX_ID));
    });

    it(`${name}: random valid messages round-trip`, () => {
      fc.assert(fc.property(messageArb, (message) => {
        const decoded = serializer.decode(serializer.encode(encodeMessage(message)));
        assert.deepEqual(parseMessage(decoded), { ok: true, message: normalized(message) });
      }), { numRuns: 300 });
    });
  }

  it('random valid messages round-trip without a serializer', () => {
    fc.assert(fc.property(messageArb, (message) => {
      assert.deepEqual(parseMessage(encodeMessage(message)), { ok: true, message: normalized(message) });
    }), { numRuns: 300 });
  });
});
