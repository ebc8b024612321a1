import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageCode, type Message, type MessageType } from '../../src/protocol/messages.js';
import { parseMessage } from '../../src/protocol/parse.js';

const MAX = 2 ** 53;

/** Well-formed wire arrays and the message each must parse to. */
const valid: [wire: unknown[], message: Message][] = [
  [[1, 'realm1', { roles: { caller: {} } }], { type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } }],
  [[2, MAX, {}], { type: 'WELCOME', sessionId: MAX, details: {} }],
  [[3, { message: 'no' }, 'wamp.error.no_such_realm'], { type: 'ABORT', details: { message: 'no' }, reason: 'wamp.error.no_such_realm' }],
  [[4, 'ticket', {}], { type: 'CHALLENGE', authMethod: 'ticket', extra: {} }],
  [[5, '', {}], { type: 'AUTHENTICATE', signature: '', extra: {} }],
  [[6, {}, 'wamp.close.normal'], { type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' }],
  [[8, 48, 7, {}, 'app.error'], { type: 'ERROR', requestType: 48, requestId: 7, details: {}, error: 'app.error' }],
  [[8, 68, 7, {}, 'app.error', [1]], { type: 'ERROR', requestType: 68, requestId: 7, details: {}, error: 'app.error', args: [1] }],
  [[8, 32, 7, {}, 'app.error', [], { a: 1 }], { type: 'ERROR', requestType: 32, requestId: 7, details: {}, error: 'app.error', args: [], kwargs: { a: 1 } }],
  [[16, 1, {}, 'a.b'], { type: 'PUBLISH', requestId: 1, options: {}, topic: 'a.b' }],
  [[16, 1, { acknowledge: true }, 'a.b', ['x'], { y: 2 }], { type: 'PUBLISH', requestId: 1, options: { acknowledge: true }, topic: 'a.b', args: ['x'], kwargs: { y: 2 } }],
  [[17, 1, MAX], { type: 'PUBLISHED', requestId: 1, publicationId: MAX }],
  [[32, 2, {}, 'com.app.topic'], { type: 'SUBSCRIBE', requestId: 2, options: {}, topic: 'com.app.topic' }],
  [[32, 2, { match: 'prefix' }, 'com.app.'], { type: 'SUBSCRIBE', requestId: 2, options: { match: 'prefix' }, topic: 'com.app.' }],
  [[32, 2, { match: 'wildcard' }, 'com..topic'], { type: 'SUBSCRIBE', requestId: 2, options: { match: 'wildcard' }, topic: 'com..topic' }],
  [[33, 2, 99], { type: 'SUBSCRIBED', requestId: 2, subscriptionId: 99 }],
  [[34, 3, 99], { type: 'UNSUBSCRIBE', requestId: 3, subscriptionId: 99 }],
  [[35, 3], { type: 'UNSUBSCRIBED', requestId: 3 }],
  [[35, 0, { subscription: 99, reason: 'gone' }], { type: 'UNSUBSCRIBED', requestId: 0, details: { subscription: 99, reason: 'gone' } }],
  [[36, 99, 1234, {}], { type: 'EVENT', subscriptionId: 99, publicationId: 1234, details: {} }],
  [[36, 99, 1234, { topic: 'a.b' }, [1, 2]], { type: 'EVENT', subscriptionId: 99, publicationId: 1234, details: { topic: 'a.b' }, args: [1, 2] }],
  [[48, 4, {}, 'com.app.proc'], { type: 'CALL', requestId: 4, options: {}, procedure: 'com.app.proc' }],
  [[48, 4, { timeout: 100 }, 'p', [], { k: 'v' }], { type: 'CALL', requestId: 4, options: { timeout: 100 }, procedure: 'p', args: [], kwargs: { k: 'v' } }],
  [[49, 4, { mode: 'kill' }], { type: 'CANCEL', requestId: 4, options: { mode: 'kill' } }],
  [[50, 4, {}], { type: 'RESULT', requestId: 4, details: {} }],
  [[50, 4, { progress: true }, [1], { a: null }], { type: 'RESULT', requestId: 4, details: { progress: true }, args: [1], kwargs: { a: null } }],
  [[64, 5, {}, 'com.app.proc'], { type: 'REGISTER', requestId: 5, options: {}, procedure: 'com.app.proc' }],
  [[64, 5, { match: 'wildcard', invoke: 'roundrobin' }, 'com..proc'], { type: 'REGISTER', requestId: 5, options: { match: 'wildcard', invoke: 'roundrobin' }, procedure: 'com..proc' }],
  [[65, 5, 77], { type: 'REGISTERED', requestId: 5, registrationId: 77 }],
  [[66, 6, 77], { type: 'UNREGISTER', requestId: 6, registrationId: 77 }],
  [[67, 6], { type: 'UNREGISTERED', requestId: 6 }],
  [[67, 0, { registration: 77 }], { type: 'UNREGISTERED', requestId: 0, details: { registration: 77 } }],
  [[68, 8, 77, {}], { type: 'INVOCATION', requestId: 8, registrationId: 77, details: {} }],
  [[68, 8, 77, { procedure: 'a.b' }, ['x']], { type: 'INVOCATION', requestId: 8, registrationId: 77, details: { procedure: 'a.b' }, args: ['x'] }],
  [[69, 8, {}], { type: 'INTERRUPT', requestId: 8, options: {} }],
  [[70, 8, {}], { type: 'YIELD', requestId: 8, options: {} }],
  [[70, 8, { progress: true }, [Buffer.from([1, 2])], {}], { type: 'YIELD', requestId: 8, options: { progress: true }, args: [Buffer.from([1, 2])], kwargs: {} }],
];

/** Malformed values; each reason must mention every listed fragment (the message type and the field at fault). */
const invalid: [value: unknown, mentions: string[]][] = [
  // envelope
  [null, ['array', 'null']],
  [{ 0: 48 }, ['array', 'object']],
  ['[48]', ['array']],
  [[], ['empty']],
  [['48', 1, {}, 'p'], ['message type', '"48"']],
  [[48.5, 1, {}, 'p'], ['message type', '48.5']],
  [[99, 1], ['unknown message type 99']],
  [[7, 1], ['unknown message type 7']],
  [[300, 1], ['unknown message type 300']],
  // arity
  [[1, 'realm1'], ['HELLO: expected 3 elements, got 2']],
  [[2, 1, {}, {}], ['WELCOME: expected 3 elements, got 4']],
  [[36, 1, 2], ['EVENT: expected 4 to 6 elements, got 3']],
  [[48, 1, {}, 'p', [], {}, 'extra'], ['CALL: expected 4 to 6 elements, got 7']],
  [[8, 48, 1, {}], ['ERROR: expected 5 to 7 elements, got 4']],
  [[32, 1, {}, 'a.b', []], ['SUBSCRIBE: expected 4 elements, got 5']],
  [[64, 1, {}, 'a.b', []], ['REGISTER: expected 4 elements, got 5']],
  [[35], ['UNSUBSCRIBED: expected 2 to 3 elements, got 1']],
  [[70, 1], ['YIELD: expected 3 to 5 elements, got 2']],
  // HELLO, WELCOME, ABORT, CHALLENGE, AUTHENTICATE, GOODBYE
  [[1, 'bad realm', {}], ['HELLO', 'realm', '"bad realm"', 'not a valid URI']],
  [[1, 5, {}], ['HELLO', 'realm', 'string']],
  [[1, 'realm1', []], ['HELLO', 'details', 'dict', 'array']],
  [[1, 'realm1', null], ['HELLO', 'details', 'dict', 'null']],
  [[2, 0, {}], ['WELCOME', 'session id 0 is out of range 1..2^53']],
  [[2, MAX + 2, {}], ['WELCOME', 'session id', 'out of range']],
  [[2, '5', {}], ['WELCOME', 'session id', 'integer']],
  [[3, {}, 'no#hash'], ['ABORT', 'reason', 'not a valid URI']],
  [[3, 'x', 'wamp.close.normal'], ['ABORT', 'details']],
  [[4, 7, {}], ['CHALLENGE', 'auth method', 'string']],
  [[4, 'ticket', 'x'], ['CHALLENGE', 'extra']],
  [[5, null, {}], ['AUTHENTICATE', 'signature', 'string']],
  [[5, 'sig', Buffer.from('x')], ['AUTHENTICATE', 'extra', 'binary']],
  [[6, {}, ''], ['GOODBYE', 'reason', 'not a valid URI']],
  // ERROR
  [[8, 49, 1, {}, 'app.error'], ['ERROR', 'request type 49 (CANCEL)', 'not a request answered by ERROR']],
  [[8, 50, 1, {}, 'app.error'], ['ERROR', 'request type 50 (RESULT)']],
  [[8, 999, 1, {}, 'app.error'], ['ERROR', 'request type 999']],
  [[8, '48', 1, {}, 'app.error'], ['ERROR', 'request type', 'integer']],
  [[8, 48, 0, {}, 'app.error'], ['ERROR', 'request id 0']],
  [[8, 48, 1, [], 'app.error'], ['ERROR', 'details']],
  [[8, 48, 1, {}, 'app error'], ['ERROR', 'error', 'not a valid URI']],
  [[8, 48, 1, {}, 'app.error', {}], ['ERROR', 'args', 'array']],
  [[8, 48, 1, {}, 'app.error', [], []], ['ERROR', 'kwargs', 'dict']],
  // PUBLISH, PUBLISHED
  [[16, 1, {}, 'a..b'], ['PUBLISH', 'topic "a..b" is not a valid URI']],
  [[16, 1, { match: 'wildcard' }, 'a..b'], ['PUBLISH', 'topic', 'not a valid URI']],
  [[16, 1, {}, 'a.b', 'x'], ['PUBLISH', 'args']],
  [[16, 1, {}, 'a.b', null, {}], ['PUBLISH', 'args', 'null']],
  [[16, 1, {}, 'a.b', [], null], ['PUBLISH', 'kwargs', 'null']],
  [[16, -1, {}, 'a.b'], ['PUBLISH', 'request id -1']],
  [[17, 1, 1.5], ['PUBLISHED', 'publication id']],
  [[17, 1, 0], ['PUBLISHED', 'publication id 0']],
  // SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, UNSUBSCRIBED
  [[32, 1, {}, 'a..b'], ['SUBSCRIBE', 'topic "a..b" is not a valid URI']],
  [[32, 1, { match: 'exact' }, 'a.b.'], ['SUBSCRIBE', 'topic "a.b." is not a valid URI']],
  [[32, 1, { match: 'prefix' }, 'a..b'], ['SUBSCRIBE', 'topic "a..b"', 'match "prefix"']],
  [[32, 1, { match: 'prefix' }, ''], ['SUBSCRIBE', 'topic ""']],
  [[32, 1, { match: 'wildcard' }, 'a.#.b'], ['SUBSCRIBE', 'topic "a.#.b"', 'match "wildcard"']],
  [[32, 1, { match: 'wildcard' }, 'a. .b'], ['SUBSCRIBE', 'topic "a. .b"']],
  [[32, 1, { match: 'regex' }, 'a..b'], ['SUBSCRIBE', 'topic "a..b" is not a valid URI']],
  [[32, 1, 'opts', 'a.b'], ['SUBSCRIBE', 'options', 'dict']],
  [[33, 1, null], ['SUBSCRIBED', 'subscription id']],
  [[34, 0, 5], ['UNSUBSCRIBE', 'request id 0']],
  [[34, 1, MAX + 2], ['UNSUBSCRIBE', 'subscription id', 'out of range']],
  [[35, 0], ['UNSUBSCRIBED', 'request id 0', 'details']],
  [[35, 0, {}], ['UNSUBSCRIBED', 'details.subscription']],
  [[35, 0, { subscription: 0 }], ['UNSUBSCRIBED', 'details.subscription 0']],
  [[35, 0, []], ['UNSUBSCRIBED', 'details', 'dict']],
  [[35, -3], ['UNSUBSCRIBED', 'request id -3']],
  // EVENT
  [[36, 0, 1, {}], ['EVENT', 'subscription id 0']],
  [[36, 1, 'x', {}], ['EVENT', 'publication id']],
  [[36, 1, 2, 3], ['EVENT', 'details']],
  [[36, 1, 2, {}, { a: 1 }], ['EVENT', 'args', 'array']],
  [[36, 1, 2, {}, [], 'kw'], ['EVENT', 'kwargs']],
  // CALL, CANCEL, RESULT
  [[48, 1, {}, 'a..b'], ['CALL: procedure "a..b" is not a valid URI']],
  [[48, 1, {}, 'a.b '], ['CALL', 'procedure "a.b "']],
  [[48, 1, {}, '.a'], ['CALL', 'procedure ".a"']],
  [[48, 1, {}, 42], ['CALL', 'procedure', 'string']],
  [[48, 1, null, 'a.b'], ['CALL', 'options', 'null']],
  [[48, 1.5, {}, 'a.b'], ['CALL', 'request id', '1.5']],
  [[48, 1, {}, 'a.b', Buffer.from('x')], ['CALL', 'args', 'binary']],
  [[49, 1, []], ['CANCEL', 'options']],
  [[49, 0, {}], ['CANCEL', 'request id 0']],
  [[50, 1, {}, {}], ['RESULT', 'args']],
  [[50, 1, 'd'], ['RESULT', 'details']],
  // REGISTER, REGISTERED, UNREGISTER, UNREGISTERED
  [[64, 0, {}, 'a.b'], ['REGISTER: request id 0 is out of range 1..2^53']],
  [[64, 1, {}, 'a..b'], ['REGISTER', 'procedure "a..b"']],
  [[64, 1, { match: 'prefix' }, 'a.b..'], ['REGISTER', 'procedure "a.b.."', 'match "prefix"']],
  [[65, 1, -2], ['REGISTERED', 'registration id -2']],
  [[66, 1, true], ['UNREGISTER', 'registration id', 'true']],
  [[67, 0], ['UNREGISTERED', 'request id 0', 'details']],
  [[67, 0, { registration: 'x' }], ['UNREGISTERED', 'details.registration']],
  [[67, 1, 'x'], ['UNREGISTERED', 'details', 'dict']],
  // INVOCATION, INTERRUPT, YIELD
  [[68, 1, 0, {}], ['INVOCATION', 'registration id 0']],
  [[68, 0, 1, {}], ['INVOCATION', 'request id 0']],
  [[68, 1, 2, {}, [], [1]], ['INVOCATION', 'kwargs']],
  [[69, 1, null], ['INTERRUPT', 'options']],
  [[70, 1, {}, 'x'], ['YIELD', 'args']],
  [[70, 1, new Map()], ['YIELD', 'options', 'object']],
];

describe('parseMessage', () => {
  it('has a valid example for every message type', () => {
    const covered = new Set(valid.map(([, message]) => message.type));
    for (const type of Object.keys(MessageCode) as MessageType[]) assert.ok(covered.has(type), `no valid example for ${type}`);
  });

  for (const [wire, message] of valid) {
    it(`accepts ${JSON.stringify(wire)}`, () => {
      assert.deepEqual(parseMessage(wire), { ok: true, message });
    });
  }

  for (const [value, mentions] of invalid) {
    it(`refuses ${describeValue(value)}`, () => {
      const result = parseMessage(value);
      assert.equal(result.ok, false, `parsed: ${JSON.stringify(result)}`);
      if (result.ok) return;
      for (const fragment of mentions) assert.ok(result.reason.includes(fragment), `reason "${result.reason}" does not mention "${fragment}"`);
    });
  }

  it('accepts ids at both ends of 1..2^53 and refuses just past them', () => {
    assert.equal(parseMessage([65, 1, MAX]).ok, true);
    assert.equal(parseMessage([65, MAX, 1]).ok, true);
    assert.equal(parseMessage([65, 1, MAX + 2]).ok, false);
    assert.equal(parseMessage([65, 1, 0]).ok, false);
    assert.equal(parseMessage([65, 1, Number.NaN]).ok, false);
    assert.equal(parseMessage([65, 1, Number.POSITIVE_INFINITY]).ok, false);
    assert.equal(parseMessage([65, 1, 5n]).ok, false);
  });

  it('refuses dicts that are not plain objects', () => {
    class Options {}
    assert.equal(parseMessage([48, 1, new Options(), 'a.b']).ok, false);
    assert.equal(parseMessage([48, 1, new Date(), 'a.b']).ok, false);
    assert.equal(parseMessage([48, 1, Object.create(null) as object, 'a.b']).ok, true);
  });

  it('offers an answer for a request whose only fault is its URI', () => {
    for (const [wire, requestType] of [
      [[48, 7, {}, 'a..b'], 48],
      [[64, 7, {}, 'a b'], 64],
      [[16, 7, {}, 'a#b'], 16],
      [[32, 7, { match: 'prefix' }, 'a..'], 32],
    ] as const) {
      const result = parseMessage(wire);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.deepEqual(result.answer, { requestType, requestId: 7, error: 'wamp.error.invalid_uri' });
    }
  });

  it('offers no answer when something besides the URI is wrong', () => {
    for (const wire of [
      [48, 0, {}, 'a..b'],
      [48, 7, [], 'a..b'],
      [48, 7, {}, 'a..b', 'not args'],
      [48, 7, {}, 5],
      [1, 'a..b', {}],
      [8, 48, 7, {}, 'a..b'],
    ]) {
      const result = parseMessage(wire);
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.answer, undefined, JSON.stringify(wire));
    }
  });

  it('keeps args and kwargs absent when the wire has none', () => {
    const result = parseMessage([48, 1, {}, 'a.b']);
    assert.ok(result.ok);
    assert.equal('args' in result.message, false);
    assert.equal('kwargs' in result.message, false);
  });
});

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
