/**
 * thoth/client: the WAMP v2 client SDK.
 *
 * @example
 *   import { connect } from 'thoth/client';
 *   const session = await connect({ url: 'ws://127.0.0.1:8080/ws' });
 *   await session.register('math.add', ([a, b]) => Number(a) + Number(b));
 *   const sum = (await session.call('math.add', [2, 3])).value; // 5
 *   await session.close();
 */
export { connect, Session, type SessionEvents, type SessionState } from './session.js';
export type {
  ConnectOptions, ReconnectOptions, ChallengeHandler, ChallengeContext, TransportConnector, TransportConnectOptions,
} from './options.js';
export type { TlsClientOptions } from '../transport/tls-client.js';
export type { ChannelBinding } from '../transport/channel-binding.js';
export type { Clock } from './clock.js';
export type { BackoffPolicy } from './backoff.js';
export { backoffDelay } from './backoff.js';
export { CallResult, Result } from './result.js';
export { RemoteError, ClientError, ClientErrorCode, type ClientErrorCodeValue } from './errors.js';
export type { CallOptions, CancelMode } from './caller.js';
export { Registration, type RegisterOptions, type InvokePolicy } from './callee.js';
export type { InvocationHandler, InvocationDetails } from './invocation.js';
export { Subscription, type SubscribeOptions, type EventHandler, type EventDetails } from './subscriber.js';
export type { PublishOptions, Publication } from './publisher.js';
export {
  defineProcedure, type Procedure, type ProcedureHandler, type ProcedureInput, type ProcedureOutput, type InputSchema,
} from './service.js';
export type { FieldIssue } from '../common/zod-issues.js';
export type { MatchPolicy } from '../protocol/uri.js';
export type { Args, Kwargs, Dict } from '../protocol/messages.js';
export { ErrorUri } from '../protocol/error-uris.js';
export { ticketAuth, cryptosignAuth, loadEd25519PrivateKey, ed25519PublicKeyHex, signCryptosignChallenge, type AuthOptions } from './auth.js';
