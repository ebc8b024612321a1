/** fast-check arbitraries for valid WAMP messages (values both serializers carry exactly). */
import fc from 'fast-check';
import { MAX_ID } from '../../src/protocol/ids.js';
import type { Args, Dict, Kwargs, Message, Payload } from '../../src/protocol/messages.js';

export const id: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, MAX_ID - 1, MAX_ID),
  fc.maxSafeNat().map((n) => n + 1),
);

const component = fc.string({ unit: fc.constantFrom(...'abcz09_-XÜé'), minLength: 1, maxLength: 6 });
export const uri: fc.Arbitrary<string> = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

/** Keys that never spell "__proto__" or "match" (which would change how a message parses). */
const key = fc.string({ unit: fc.constantFrom(...'abcdef_'), minLength: 1, maxLength: 5 });

/** A JSON string starting with NUL stands for binary in WAMP's JSON serializer. */
const text = fc.string({ maxLength: 12 }).filter((s) => !s.startsWith('\u0000'));

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  text,
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
);

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'value' },
    leaf,
    fc.array(tie('value'), { maxLength: 3, depthIdentifier: 'value' }),
    fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true, depthIdentifier: 'value' }),
  ),
}));

export const dict: fc.Arbitrary<Dict> = fc.dictionary(key, value, { maxKeys: 3, noNullPrototype: true });
const args: fc.Arbitrary<Args> = fc.array(value, { maxLength: 3 });

const payload: fc.Arbitrary<Payload> = fc.tuple(fc.option(args, { nil: undefined }), fc.option(dict, { nil: undefined }))
  .map(([a, k]) => {
    const p: Payload = {};
    if (a !== undefined) p.args = a;
    if (k !== undefined) p.kwargs = k;
    return p;
  });

const answered = fc.constantFrom(16, 32, 34, 48, 64, 66, 68);

export const message: fc.Arbitrary<Message> = fc.oneof(
  fc.tuple(uri, dict).map(([realm, details]): Message => ({ type: 'HELLO', realm, details })),
  fc.tuple(id, dict).map(([sessionId, details]): Message => ({ type: 'WELCOME', sessionId, details })),
  fc.tuple(dict, uri).map(([details, reason]): Message => ({ type: 'ABORT', details, reason })),
  fc.tuple(text, dict).map(([authMethod, extra]): Message => ({ type: 'CHALLENGE', authMethod, extra })),
  fc.tuple(text, dict).map(([signature, extra]): Message => ({ type: 'AUTHENTICATE', signature, extra })),
  fc.tuple(dict, uri).map(([details, reason]): Message => ({ type: 'GOODBYE', details, reason })),
  fc.tuple(answered, id, dict, uri, payload).map(([requestType, requestId, details, error, p]): Message =>
    ({ type: 'ERROR', requestType, requestId, details, error, ...p })),
  fc.tuple(id, dict, uri, payload).map(([requestId, options, topic, p]): Message => ({ type: 'PUBLISH', requestId, options, topic, ...p })),
  fc.tuple(id, id).map(([requestId, publicationId]): Message => ({ type: 'PUBLISHED', requestId, publicationId })),
  fc.tuple(id, dict, uri).map(([requestId, options, topic]): Message => ({ type: 'SUBSCRIBE', requestId, options, topic })),
  fc.tuple(id, id).map(([requestId, subscriptionId]): Message => ({ type: 'SUBSCRIBED', requestId, subscriptionId })),
  fc.tuple(id, id).map(([requestId, subscriptionId]): Message => ({ type: 'UNSUBSCRIBE', requestId, subscriptionId })),
  id.map((requestId): Message => ({ type: 'UNSUBSCRIBED', requestId })),
  fc.tuple(id, text).map(([subscription, reason]): Message => ({ type: 'UNSUBSCRIBED', requestId: 0, details: { subscription, reason } })),
  fc.tuple(id, id, dict, payload).map(([subscriptionId, publicationId, details, p]): Message =>
    ({ type: 'EVENT', subscriptionId, publicationId, details, ...p })),
  fc.tuple(id, dict, uri, payload).map(([requestId, options, procedure, p]): Message => ({ type: 'CALL', requestId, options, procedure, ...p })),
  fc.tuple(id, dict).map(([requestId, options]): Message => ({ type: 'CANCEL', requestId, options })),
  fc.tuple(id, dict, payload).map(([requestId, details, p]): Message => ({ type: 'RESULT', requestId, details, ...p })),
  fc.tuple(id, dict, uri).map(([requestId, options, procedure]): Message => ({ type: 'REGISTER', requestId, options, procedure })),
  fc.tuple(id, id).map(([requestId, registrationId]): Message => ({ type: 'REGISTERED', requestId, registrationId })),
  fc.tuple(id, id).map(([requestId, registrationId]): Message => ({ type: 'UNREGISTER', requestId, registrationId })),
  id.map((requestId): Message => ({ type: 'UNREGISTERED', requestId })),
  id.map((registration): Message => ({ type: 'UNREGISTERED', requestId: 0, details: { registration } })),
  fc.tuple(id, id, dict, payload).map(([requestId, registrationId, details, p]): Message =>
    ({ type: 'INVOCATION', requestId, registrationId, details, ...p })),
  fc.tuple(id, dict).map(([requestId, options]): Message => ({ type: 'INTERRUPT', requestId, options })),
  fc.tuple(id, dict, payload).map(([requestId, options, p]): Message => ({ type: 'YIELD', requestId, options, ...p })),
);

/**
 * The message as it comes back from the wire: encodeMessage drops an empty
 * kwargs, then an args that is empty and alone, and sends [] for args when only
 * kwargs are present.
 */
export function normalized(message: Message): Message {
  if (!('args' in message) && !('kwargs' in message)) return message;
  const copy = { ...message } as Message & { args?: Args; kwargs?: Kwargs };
  if (copy.kwargs !== undefined && Object.keys(copy.kwargs).length === 0) delete copy.kwargs;
  if (copy.kwargs === undefined && copy.args !== undefined && copy.args.length === 0) delete copy.args;
  if (copy.kwargs !== undefined && copy.args === undefined) copy.args = [];
  return copy;
}
