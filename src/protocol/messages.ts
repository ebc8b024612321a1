/**
 * WAMP v2 messages as a discriminated union. Wire arrays are turned into these
 * objects once, at the edge (see parse.ts); nothing after that indexes arrays.
 */

import type { RawPayload } from './raw-payload.js';

export type Dict = Record<string, unknown>;
export type Args = unknown[];
export type Kwargs = Dict;

export const MessageCode = {
  HELLO: 1,
  WELCOME: 2,
  ABORT: 3,
  CHALLENGE: 4,
  AUTHENTICATE: 5,
  GOODBYE: 6,
  ERROR: 8,
  PUBLISH: 16,
  PUBLISHED: 17,
  SUBSCRIBE: 32,
  SUBSCRIBED: 33,
  UNSUBSCRIBE: 34,
  UNSUBSCRIBED: 35,
  EVENT: 36,
  CALL: 48,
  CANCEL: 49,
  RESULT: 50,
  REGISTER: 64,
  REGISTERED: 65,
  UNREGISTER: 66,
  UNREGISTERED: 67,
  INVOCATION: 68,
  INTERRUPT: 69,
  YIELD: 70,
} as const;

export type MessageType = keyof typeof MessageCode;

export const MessageTypeByCode: ReadonlyMap<number, MessageType> = new Map(
  (Object.entries(MessageCode) as [MessageType, number][]).map(([name, code]) => [code, name]),
);

/** Messages that carry an optional application payload. */
export interface Payload {
  args?: Args;
  kwargs?: Kwargs;
  /**
   * Router side only: args/kwargs still encoded, as received, in place of
   * `args`/`kwargs` (then absent). Read them through payloadOf().
   */
  raw?: RawPayload | undefined;
}

export interface Hello { type: 'HELLO'; realm: string; details: Dict }
export interface Welcome { type: 'WELCOME'; sessionId: number; details: Dict }
export interface Abort { type: 'ABORT'; details: Dict; reason: string }
export interface Challenge { type: 'CHALLENGE'; authMethod: string; extra: Dict }
export interface Authenticate { type: 'AUTHENTICATE'; signature: string; extra: Dict }
export interface Goodbye { type: 'GOODBYE'; details: Dict; reason: string }
/** requestType is the code of the message this ERROR answers (CALL, INVOCATION, REGISTER, ...). */
export interface ErrorMessage extends Payload { type: 'ERROR'; requestType: number; requestId: number; details: Dict; error: string }
export interface Publish extends Payload { type: 'PUBLISH'; requestId: number; options: Dict; topic: string }
export interface Published { type: 'PUBLISHED'; requestId: number; publicationId: number }
export interface Subscribe { type: 'SUBSCRIBE'; requestId: number; options: Dict; topic: string }
export interface Subscribed { type: 'SUBSCRIBED'; requestId: number; subscriptionId: number }
export interface Unsubscribe { type: 'UNSUBSCRIBE'; requestId: number; subscriptionId: number }
/** requestId is 0 when the router revokes a subscription on its own (details then say why). */
export interface Unsubscribed { type: 'UNSUBSCRIBED'; requestId: number; details?: Dict }
export interface Event extends Payload { type: 'EVENT'; subscriptionId: number; publicationId: number; details: Dict }
export interface Call extends Payload { type: 'CALL'; requestId: number; options: Dict; procedure: string }
export interface Cancel { type: 'CANCEL'; requestId: number; options: Dict }
export interface Result extends Payload { type: 'RESULT'; requestId: number; details: Dict }
export interface Register { type: 'REGISTER'; requestId: number; options: Dict; procedure: string }
export interface Registered { type: 'REGISTERED'; requestId: number; registrationId: number }
export interface Unregister { type: 'UNREGISTER'; requestId: number; registrationId: number }
/** requestId is 0 when the router revokes a registration on its own (details then say why). */
export interface Unregistered { type: 'UNREGISTERED'; requestId: number; details?: Dict }
export interface Invocation extends Payload { type: 'INVOCATION'; requestId: number; registrationId: number; details: Dict }
export interface Interrupt { type: 'INTERRUPT'; requestId: number; options: Dict }
export interface Yield extends Payload { type: 'YIELD'; requestId: number; options: Dict }

export type Message =
  | Hello | Welcome | Abort | Challenge | Authenticate | Goodbye | ErrorMessage
  | Publish | Published | Subscribe | Subscribed | Unsubscribe | Unsubscribed | Event
  | Call | Cancel | Result | Register | Registered | Unregister | Unregistered
  | Invocation | Interrupt | Yield;

export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;
