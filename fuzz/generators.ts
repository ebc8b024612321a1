/**
 * fast-check generators of the fuzz cases, one per kind. A case is plain data
 * (printable, shrinkable, replayable from a seed); fuzz/cases.ts runs it.
 */
import fc from 'fast-check';
import type { SerializerName } from '../src/codec/index.js';
import { MessageCode, type Message } from '../src/protocol/messages.js';
import { encodeMessage } from '../src/protocol/parse.js';
import type { Wire } from './peer.js';
import { BYSTANDER_PROCEDURE } from './target.js';

export interface Channel {
  wire: Wire;
  serializer: SerializerName;
}

const channel: fc.Arbitrary<Channel> = fc.record({
  wire: fc.constantFrom<Wire>('rawsocket', 'websocket'),
  serializer: fc.constantFrom<SerializerName>('json', 'msgpack'),
});

/** (a) Random bytes after a good transport handshake, maybe after a WELCOME, maybe wrapped in one valid frame. */
export interface RandomBytesCase extends Channel {
  kind: 'random-bytes';
  joinFirst: boolean;
  framed: boolean;
  bytes: Uint8Array;
  /** Write the bytes in pieces of these lengths (the rest in one last piece). */
  pieces: number[];
}

export const randomBytesCase: fc.Arbitrary<RandomBytesCase> = fc.record({
  kind: fc.constant('random-bytes' as const),
  wire: channel.map((c) => c.wire),
  serializer: channel.map((c) => c.serializer),
  joinFirst: fc.boolean(),
  framed: fc.boolean(),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }),
  pieces: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 4 }),
});

/** A client message the router accepts in an established session, or a HELLO. */
const requestId = fc.integer({ min: 1, max: 2 ** 40 });
const word = fc.constantFrom('a', 'b', 'echo', 'x1', 'topic');
const ownUri = word.map((w) => `fuzz.own.${w}`);
const anyValue = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.boolean(), fc.constant(null));

export const validClientMessage: fc.Arbitrary<Message> = fc.oneof(
  fc.tuple(requestId, fc.constantFrom(BYSTANDER_PROCEDURE, 'fuzz.nobody.home'), fc.array(anyValue, { maxLength: 3 }))
    .map(([id, procedure, args]): Message => ({ type: 'CALL', requestId: id, options: {}, procedure, args })),
  fc.tuple(requestId, ownUri).map(([id, procedure]): Message => ({ type: 'REGISTER', requestId: id, options: {}, procedure })),
  fc.tuple(requestId, requestId).map(([id, reg]): Message => ({ type: 'UNREGISTER', requestId: id, registrationId: reg })),
  fc.tuple(requestId, ownUri).map(([id, topic]): Message => ({ type: 'SUBSCRIBE', requestId: id, options: {}, topic })),
  fc.tuple(requestId, ownUri, fc.boolean(), fc.array(anyValue, { maxLength: 3 }))
    .map(([id, topic, acknowledge, args]): Message => ({ type: 'PUBLISH', requestId: id, options: { acknowledge }, topic, args })),
  fc.tuple(requestId, fc.array(anyValue, { maxLength: 2 })).map(([id, args]): Message => ({ type: 'YIELD', requestId: id, options: {}, args })),
  requestId.map((id): Message => ({ type: 'CANCEL', requestId: id, options: {} })),
);

export const helloMessage: Message = { type: 'HELLO', realm: 'thoth', details: { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } } };

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'length'; frame: number; value: number }
  | { op: 'splice'; at: number; bytes: Uint8Array };

/** (b) Valid frames (HELLO, then messages), then mutated: bit flips, truncation, length prefixes, inserted bytes. */
export interface MutatedFramesCase extends Channel {
  kind: 'mutated-frames';
  messages: Message[];
  mutations: Mutation[];
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('length' as const), frame: fc.nat(), value: fc.oneof(fc.nat({ max: 64 }), fc.nat({ max: 2 ** 24 }), fc.nat()) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
);

export const mutatedFramesCase: fc.Arbitrary<MutatedFramesCase> = fc.record({
  kind: fc.constant('mutated-frames' as const),
  wire: channel.map((c) => c.wire),
  serializer: channel.map((c) => c.serializer),
  messages: fc.array(validClientMessage, { maxLength: 3 }).map((rest) => [helloMessage, ...rest]),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
});

/** (c) A step of the invalid-state grammar: a well-formed message, often sent when it must not be. */
export type Step =
  | { op: 'hello'; realm: 'thoth' | 'fuzz.no.such.realm' }
  | { op: 'hello-no-roles' }
  | { op: 'hello-then-call' }
  | { op: 'call'; target: 'bystander' | 'missing' }
  | { op: 'register'; target: 'own' | 'bystander' | 'reserved'; name: string }
  | { op: 'unregister'; target: 'own' | 'bystander' | 'random' }
  | { op: 'subscribe'; name: string }
  | { op: 'unsubscribe'; target: 'own' | 'random' }
  | { op: 'publish'; acknowledge: boolean }
  | { op: 'yield' | 'invocation-error' | 'cancel'; id: number }
  | { op: 'router-only'; type: RouterOnly }
  | { op: 'call-error' }
  | { op: 'authenticate' }
  | { op: 'goodbye' }
  | { op: 'abort' };

export const routerOnlyTypes = ['WELCOME', 'CHALLENGE', 'RESULT', 'INVOCATION', 'EVENT', 'REGISTERED', 'SUBSCRIBED', 'PUBLISHED', 'UNREGISTERED', 'UNSUBSCRIBED', 'INTERRUPT'] as const;
export type RouterOnly = (typeof routerOnlyTypes)[number];

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Step>({ op: 'hello', realm: 'thoth' }) },
  { weight: 1, arbitrary: fc.constantFrom<Step>({ op: 'hello', realm: 'fuzz.no.such.realm' }, { op: 'hello-no-roles' }, { op: 'hello-then-call' }) },
  { weight: 2, arbitrary: fc.constantFrom<'bystander' | 'missing'>('bystander', 'missing').map((target): Step => ({ op: 'call', target })) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('register' as const), target: fc.constantFrom('own' as const, 'bystander' as const, 'reserved' as const), name: fc.constantFrom('a', 'b') }) },
  { weight: 2, arbitrary: fc.constantFrom<'own' | 'bystander' | 'random'>('own', 'bystander', 'random').map((target): Step => ({ op: 'unregister', target })) },
  { weight: 1, arbitrary: fc.constantFrom('a', 'b').map((name): Step => ({ op: 'subscribe', name })) },
  { weight: 1, arbitrary: fc.constantFrom<'own' | 'random'>('own', 'random').map((target): Step => ({ op: 'unsubscribe', target })) },
  { weight: 1, arbitrary: fc.boolean().map((acknowledge): Step => ({ op: 'publish', acknowledge })) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('yield' as const, 'invocation-error' as const, 'cancel' as const), id: fc.integer({ min: 1, max: 2 ** 30 }) }) },
  { weight: 2, arbitrary: fc.constantFrom(...routerOnlyTypes).map((type): Step => ({ op: 'router-only', type })) },
  { weight: 1, arbitrary: fc.constantFrom<Step>({ op: 'call-error' }, { op: 'authenticate' }, { op: 'goodbye' }, { op: 'abort' }) },
);

export interface InvalidStateCase extends Channel {
  kind: 'invalid-state';
  steps: Step[];
}

export const invalidStateCase: fc.Arbitrary<InvalidStateCase> = fc.record({
  kind: fc.constant('invalid-state' as const),
  wire: channel.map((c) => c.wire),
  serializer: channel.map((c) => c.serializer),
  // Most cases join first, so the established state gets as many steps as the opening.
  steps: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(step, { minLength: 1, maxLength: 8 }))
    .map(([coin, rest]): Step[] => (coin > 0 ? [{ op: 'hello', realm: 'thoth' }, ...rest] : rest)),
});

/** RawSocket opening octets: often the magic, any serializer and length nibble, maybe more bytes. */
export interface HandshakeCase {
  kind: 'handshake';
  bytes: Uint8Array;
  pieces: number[];
}

export const handshakeCase: fc.Arbitrary<HandshakeCase> = fc.record({
  kind: fc.constant('handshake' as const),
  bytes: fc.tuple(
    fc.oneof(fc.constant(0x7f), fc.integer({ min: 0, max: 255 })),
    fc.integer({ min: 0, max: 255 }),
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
    fc.uint8Array({ maxLength: 12 }),
  ).map(([a, b, c, d, rest]) => Uint8Array.from([a, b, c, d, ...rest])),
  pieces: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }),
});

export type FuzzCase = RandomBytesCase | MutatedFramesCase | InvalidStateCase | HandshakeCase;
export type FuzzKind = FuzzCase['kind'];

export const arbitraries: { [K in FuzzKind]: fc.Arbitrary<Extract<FuzzCase, { kind: K }>> } = {
  'random-bytes': randomBytesCase,
  'mutated-frames': mutatedFramesCase,
  'invalid-state': invalidStateCase,
  handshake: handshakeCase,
};

export const fuzzKinds = Object.keys(arbitraries) as FuzzKind[];

/** The wire form of a message (for the serializer), as a peer sends it. */
export function wireOf(message: Message): unknown[] {
  return encodeMessage(message);
}

export { MessageCode };
