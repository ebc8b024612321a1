import type { Dict, Message } from '../protocol/messages.js';
import type { Invocation } from './invocation.js';
import type { Registration } from './dealer.js';
import type { Subscription } from './broker.js';
import type { SessionPermissions } from './authorization.js';

/** Who a session is, as established by authentication. */
export interface Identity {
  authid: string;
  authrole: string;
  authmethod: string;
  authprovider: string;
}

/** What the meta API and publisher/caller disclosure say about a session. */
export interface SessionSummary extends Identity {
  session: number;
  transport: { type: string; serializer: string; peer: string };
}

const MAX_REQUEST_ID = 2 ** 53;

/**
 * One session's place in a realm as the dealer and broker see it: identity, roles,
 * the calls it made, the invocations it is running, what it registered and
 * subscribed. A remote session (over a Connection) and the router's internal
 * session both extend this, so internal services go through the same dispatch.
 */
export abstract class Peer {
  /** Calls this session made that wait for a result, by the CALL's request id. */
  readonly calls = new Map<number, Invocation>();
  /** Invocations this session runs as callee, by the INVOCATION's request id. */
  readonly invocations = new Map<number, Invocation>();
  readonly registrations = new Set<Registration>();
  readonly subscriptions = new Set<Subscription>();
  /** Registrations this session is draining: it gets no new calls on them. */
  readonly draining = new Set<Registration>();
  /** Called each time one of this session's invocations ends, while someone waits for a drain. */
  drainWatch: (() => void) | undefined;
  /** What this session may do, set when it joins a realm; undefined: an admin (router, local, admin role), never checked. */
  permissions: SessionPermissions | undefined;
  private lastInvocationId = 0;

  constructor(
    readonly id: number,
    readonly identity: Identity,
    /** The client's HELLO roles, e.g. { callee: { features: { call_canceling: true } } }. */
    readonly roles: Dict,
  ) {}

  /** True for the router's own internal session (it may use reserved URIs). */
  abstract readonly isInternal: boolean;
  /**
   * Queue a message for the peer. False when it was not sent: the connection is
   * closed, or the message is larger than the peer accepts (the connection stays open).
   */
  abstract send(message: Message): boolean;
  /** True once the peer's connection is closing or closed (e.g. cut off as a slow consumer), before it has left the realm. */
  get gone(): boolean {
    return false;
  }
  abstract get summary(): SessionSummary;
  /** End the session from the router's side (ABORT with this reason), e.g. its device was dropped. */
  abstract kill(reason: string, message: string): void;

  nextInvocationId(): number {
    this.lastInvocationId = this.lastInvocationId >= MAX_REQUEST_ID ? 1 : this.lastInvocationId + 1;
    return this.lastInvocationId;
  }

  /** Whether the peer announced a feature of a role, e.g. supports('callee', 'call_canceling'). */
  supports(role: string, feature: string): boolean {
    const r = this.roles[role];
    if (r === null || typeof r !== 'object') return false;
    const features = (r as Dict)['features'];
    return features !== null && typeof features === 'object' && (features as Dict)[feature] === true;
  }

  hasRole(role: string): boolean {
    return this.roles[role] !== undefined;
  }
}
