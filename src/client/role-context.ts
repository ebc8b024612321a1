import type { Logger } from '../observability/logger.js';
import type { Message } from '../protocol/messages.js';
import type { Clock } from './clock.js';

/** What the session gives each role (caller, callee, publisher, subscriber). */
export interface RoleContext {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Session-wide call logging (logCalls option). */
  readonly logCalls: boolean;
  /** Default call timeout in ms; 0 = none. */
  readonly callTimeoutMs: number;
  /** Throws the ClientError saying why nothing can be sent now (closed, reconnecting). */
  assertOpen(): void;
  /** close() has run (or the session ended for good). */
  isClosed(): boolean;
  /** A request id of the current WAMP session. */
  nextId(): number;
  /** Send on the current connection; false when there is none. */
  send(message: Message): boolean;
}
