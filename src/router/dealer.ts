import { MessageCode, type Call, type Cancel, type Dict, type ErrorMessage, type Register, type Unregister, type Yield } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { Logger } from '../observability/logger.js';
import { UriTable, type MatchPolicy } from './matcher.js';
import { Invocation, type CancelMode } from './invocation.js';
import type { Peer } from './peer.js';
import { isReservedUri } from './reserved.js';

export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';
const invokePolicies: ReadonlySet<string> = new Set(['single', 'roundrobin', 'random', 'first', 'last']);
const matchPolicies: ReadonlySet<string> = new Set(['exact', 'prefix', 'wildcard']);
const cancelModes: ReadonlySet<string> = new Set(['skip', 'kill', 'killnowait']);

/** A procedure (or pattern) with one callee, or several under a shared invoke policy. */
export class Registration {
  readonly callees: Peer[] = [];
  roundRobinNext = 0;
  /** Targeted calls rotate among their narrowed candidates with their own cursor, leaving plain calls' order alone. */
  targetedRoundRobinNext = 0;
  readonly created = new Date().toISOString();
  constructor(
    readonly id: number,
    readonly uri: string,
    readonly match: MatchPolicy,
    readonly invoke: InvokePolicy,
    /** The first callee asked (REGISTER option disclose_caller) to always learn who calls. */
    readonly discloseCaller: boolean,
  ) {}
}

/** What the realm (the meta API, and the mesh above it) hears about registrations. */
export interface DealerEvents {
  registrationCreated(peer: Peer, registration: Registration): void;
  /** options: the REGISTER's options (thoth reads `_modality` from them). */
  registered(peer: Peer, registration: Registration, options: Dict): void;
  unregistered(peer: Peer, registration: Registration): void;
  registrationDeleted(peer: Peer, registration: Registration): void;
}

/** Narrows the callees of a call that names a target (thoth's `_device` / `_select` options). */
export interface CallTargeting {
  candidates(registration: Registration, options: Dict): readonly Peer[] | { uri: string; message: string };
}

export interface DealerLimits {
  maxCallsInFlight: number;
  maxRegistrations: number;
}

export interface DealerOptions {
  limits: DealerLimits;
  logger: Logger;
  events: DealerEvents;
  random?: () => number;
}

/** Routed RPC: registrations, calls, invocations and their one answer each. */
export class Dealer {
  readonly table = new UriTable<Registration>();
  readonly byId = new Map<number, Registration>();
  private lastRegistrationId = 0;
  /** Installed by the mesh layer; without it, targeted calls are refused. */
  targeting: CallTargeting | undefined;
  private readonly random: () => number;

  constructor(private readonly options: DealerOptions) {
    this.random = options.random ?? Math.random;
  }

  register(peer: Peer, msg: Register): void {
    const match = msg.options['match'] ?? 'exact';
    const invoke = msg.options['invoke'] ?? 'single';
    if (typeof match !== 'string' || !matchPolicies.has(match)) {
      return this.replyError(peer, MessageCode.REGISTER, msg.requestId, ErrorUri.invalidArgument, `REGISTER: unknown match policy ${JSON.stringify(match)}`);
    }
    if (typeof invoke !== 'string' || !invokePolicies.has(invoke)) {
      return this.replyError(peer, MessageCode.REGISTER, msg.requestId, ErrorUri.invalidArgument, `REGISTER: unknown invoke policy ${JSON.stringify(invoke)}`);
    }
    if (!peer.isInternal && isReservedUri(msg.procedure)) {
      return this.replyError(peer, MessageCode.REGISTER, msg.requestId, ErrorUri.invalidUri, `procedure "${msg.procedure}" is in a namespace reserved for the router (wamp., thoth.)`);
    }
    if (peer.registrations.size >= this.options.limits.maxRegistrations) {
      return this.replyError(peer, MessageCode.REGISTER, msg.requestId, ErrorUri.tooManyRegistrations, `this session already holds the maximum of ${this.options.limits.maxRegistrations} registrations (limits.maxRegistrations); unregister one first`);
    }
    let registration = this.table.get(msg.procedure, match as MatchPolicy);
    if (registration !== undefined) {
      if (registration.callees.includes(peer)) {
        return this.replyError(peer, MessageCode.REGISTER, msg.requestId, ErrorUri.procedureAlreadyExists, `this session already registered "${msg.procedure}"`);
      }
      if (registration.invoke === 'single' || invoke === 'single') {
        return this.replyError(peer, MessageCode.REGISTER, msg.requestId, ErrorUri.procedureAlreadyExists, `procedure "${msg.procedure}" is already registered (shared registration needs an invoke policy other than 'single' on both sides)`);
      }
      if (registration.invoke !== invoke) {
        return this.replyError(peer, MessageCode.REGISTER, msg.requestId, ErrorUri.procedureExistsWithDifferentInvocationPolicy, `procedure "${msg.procedure}" is registered with invoke policy '${registration.invoke}', not '${invoke}'`);
      }
    } else {
      this.lastRegistrationId += 1;
      registration = new Registration(this.lastRegistrationId, msg.procedure, match as MatchPolicy, invoke as InvokePolicy, msg.options['disclose_caller'] === true);
      this.table.add(registration);
      this.byId.set(registration.id, registration);
      this.options.events.registrationCreated(peer, registration);
    }
    registration.callees.push(peer);
    peer.registrations.add(registration);
    peer.send({ type: 'REGISTERED', requestId: msg.requestId, registrationId: registration.id });
    this.options.events.registered(peer, registration, msg.options);
  }

  unregister(peer: Peer, msg: Unregister): void {
    const registration = this.byId.get(msg.registrationId);
    if (registration === undefined || !registration.callees.includes(peer)) {
      return this.replyError(peer, MessageCode.UNREGISTER, msg.requestId, ErrorUri.noSuchRegistration, `this session holds no registration ${msg.registrationId}`);
    }
    this.removeCallee(peer, registration, ErrorUri.calleeUnregistered, `the callee of "${registration.uri}" (session ${peer.id}) unregistered it before answering`);
    peer.send({ type: 'UNREGISTERED', requestId: msg.requestId });
  }

  /**
   * The router takes a registration away from a callee (a modality killed, an app
   * deregistered): calls in flight to it fail with failUri, the callee is told why.
   */
  revoke(peer: Peer, registration: Registration, reason: string, failUri: string = ErrorUri.calleeUnregistered): void {
    if (!registration.callees.includes(peer)) return;
    this.removeCallee(peer, registration, failUri, `the registration of "${registration.uri}" was revoked (${reason}) before the callee answered`);
    peer.send({ type: 'UNREGISTERED', requestId: 0, details: { registration: registration.id, reason } });
  }

  /** Fail, and interrupt, the calls in flight to a callee on the given registrations. Returns how many. */
  failInvocations(callee: Peer, registrations: ReadonlySet<Registration>, uri: string, message: string): number {
    let failed = 0;
    for (const invocation of [...callee.invocations.values()]) {
      if (!registrations.has(invocation.registration)) continue;
      const waiting = this.callerWaiting(invocation);
      invocation.settle();
      if (waiting) this.failCall(invocation, uri, message);
      this.interrupt(invocation, uri);
      failed += 1;
    }
    return failed;
  }

  call(caller: Peer, msg: Call): void {
    if (caller.calls.has(msg.requestId)) {
      return this.replyError(caller, MessageCode.CALL, msg.requestId, ErrorUri.invalidArgument, `request id ${msg.requestId} is already used by a call in flight`);
    }
    if (caller.calls.size >= this.options.limits.maxCallsInFlight) {
      return this.replyError(caller, MessageCode.CALL, msg.requestId, ErrorUri.tooManyCalls, `this session already has the maximum of ${this.options.limits.maxCallsInFlight} calls in flight`);
    }
    const timeout = msg.options['timeout'];
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0)) {
      return this.replyError(caller, MessageCode.CALL, msg.requestId, ErrorUri.invalidArgument, `CALL option "timeout" must be a whole number of milliseconds, got ${JSON.stringify(timeout)}`);
    }
    const registration = this.table.best(msg.procedure);
    if (registration === undefined) {
      return this.replyError(caller, MessageCode.CALL, msg.requestId, ErrorUri.noSuchProcedure, `no callee registered for procedure "${msg.procedure}"`);
    }
    let candidates: readonly Peer[] = registration.callees;
    if (msg.options['_device'] !== undefined || msg.options['_select'] !== undefined) {
      const narrowed = this.targeting?.candidates(registration, msg.options) ?? { uri: ErrorUri.noSuchDevice, message: 'this router keeps no device registry, so a call cannot name a device' };
      if (!Array.isArray(narrowed)) {
        const refusal = narrowed as { uri: string; message: string };
        return this.replyError(caller, MessageCode.CALL, msg.requestId, refusal.uri, refusal.message);
      }
      candidates = narrowed;
    }
    const callee = this.pickCallee(registration, candidates);
    if (callee === undefined) {
      return this.replyError(caller, MessageCode.CALL, msg.requestId, ErrorUri.draining, `every callee of "${msg.procedure}" that could take this call is draining`);
    }
    // The callee is told of receive_progress only if it announced the feature (the spec), but
    // progressive YIELDs are forwarded whenever the caller asked for them: some callees (wampy)
    // send them without announcing it, and dropping them would lose what the caller wanted.
    const receiveProgress = msg.options['receive_progress'] === true;
    const invocation = new Invocation(caller, msg.requestId, callee, callee.nextInvocationId(), registration, msg.procedure, receiveProgress);
    caller.calls.set(msg.requestId, invocation);
    callee.invocations.set(invocation.invocationId, invocation);
    if (typeof timeout === 'number' && timeout > 0) invocation.timer = setTimeout(onCallTimeout, timeout, this, invocation);

    const details: Dict = {};
    if (registration.match !== 'exact') details['procedure'] = msg.procedure;
    if (receiveProgress && callee.supports('callee', 'progressive_call_results')) details['receive_progress'] = true;
    if (msg.options['disclose_me'] === true || registration.discloseCaller) {
      const who = caller.identity;
      details['caller'] = caller.id;
      details['caller_authid'] = who.authid;
      details['caller_authrole'] = who.authrole;
    }
    if (!callee.send({ type: 'INVOCATION', requestId: invocation.invocationId, registrationId: registration.id, details, args: msg.args, kwargs: msg.kwargs, raw: msg.raw })) {
      invocation.settle();
      if (callee.gone) this.failCall(invocation, ErrorUri.calleeGone, `the callee of "${msg.procedure}" (session ${callee.id}) is gone: its connection closed before the call could be delivered`);
      else this.failCall(invocation, ErrorUri.messageTooLarge, `the call to "${msg.procedure}" could not be delivered to its callee: its payload is larger than the callee accepts`);
    }
  }

  cancel(caller: Peer, msg: Cancel): void {
    const invocation = caller.calls.get(msg.requestId);
    if (invocation === undefined) return; // already answered: the RESULT or ERROR is on its way
    const requested = msg.options['mode'] ?? 'killnowait';
    if (typeof requested !== 'string' || !cancelModes.has(requested)) {
      return this.replyError(caller, MessageCode.CANCEL, msg.requestId, ErrorUri.invalidArgument, `CANCEL: unknown mode ${JSON.stringify(requested)}`);
    }
    const canInterrupt = invocation.callee.supports('callee', 'call_canceling');
    const mode: CancelMode = canInterrupt ? (requested as CancelMode) : 'skip';
    if (mode === 'kill') {
      invocation.cancelRequested = true;
      invocation.callee.send({ type: 'INTERRUPT', requestId: invocation.invocationId, options: { mode: 'kill', reason: ErrorUri.canceled } });
      return;
    }
    this.replyError(caller, MessageCode.CALL, msg.requestId, ErrorUri.canceled, `call to "${invocation.procedure}" was canceled`);
    if (mode === 'killnowait') {
      invocation.settle();
      invocation.callee.send({ type: 'INTERRUPT', requestId: invocation.invocationId, options: { mode: 'killnowait', reason: ErrorUri.canceled } });
    } else {
      invocation.detachCaller(); // skip: the callee finishes; its answer is dropped quietly
    }
  }

  yield(callee: Peer, msg: Yield): void {
    const invocation = callee.invocations.get(msg.requestId);
    if (invocation === undefined) return; // late answer to a call that ended (timeout, cancel, caller gone)
    const progress = msg.options['progress'] === true;
    if (progress) {
      if (invocation.receiveProgress && this.callerWaiting(invocation) && !invocation.cancelRequested) {
        const sent = invocation.caller.send({ type: 'RESULT', requestId: invocation.callRequestId, details: { progress: true }, args: msg.args, kwargs: msg.kwargs, raw: msg.raw });
        if (!sent) this.resultTooLarge(invocation, true);
      }
      return;
    }
    const waiting = this.callerWaiting(invocation);
    invocation.settle();
    if (waiting && !invocation.caller.send({ type: 'RESULT', requestId: invocation.callRequestId, details: {}, args: msg.args, kwargs: msg.kwargs, raw: msg.raw })) {
      this.resultTooLarge(invocation, false);
    }
  }

  /** A result the caller cannot take (too large): the caller gets an error instead, never silence. */
  private resultTooLarge(invocation: Invocation, interruptCallee: boolean): void {
    invocation.settle();
    this.failCall(invocation, ErrorUri.messageTooLarge, `the result of "${invocation.procedure}" is larger than this session accepts`);
    if (interruptCallee && invocation.callee.supports('callee', 'call_canceling')) {
      invocation.callee.send({ type: 'INTERRUPT', requestId: invocation.invocationId, options: { mode: 'killnowait', reason: ErrorUri.messageTooLarge } });
    }
  }

  invocationError(callee: Peer, msg: ErrorMessage): void {
    const invocation = callee.invocations.get(msg.requestId);
    if (invocation === undefined) return;
    const waiting = this.callerWaiting(invocation);
    invocation.settle();
    if (waiting && !invocation.caller.send({ type: 'ERROR', requestType: MessageCode.CALL, requestId: invocation.callRequestId, details: msg.details, error: msg.error, args: msg.args, kwargs: msg.kwargs, raw: msg.raw })) {
      this.resultTooLarge(invocation, false);
    }
  }

  /** A session ended: its registrations go, calls to it fail, calls from it are interrupted. */
  sessionEnded(peer: Peer): void {
    for (const invocation of [...peer.invocations.values()]) {
      const waiting = this.callerWaiting(invocation);
      invocation.settle();
      if (waiting) this.failCall(invocation, ErrorUri.calleeGone, `the callee of "${invocation.procedure}" (session ${peer.id}) left before answering`);
    }
    for (const invocation of [...peer.calls.values()]) {
      invocation.settle();
      if (invocation.callee.supports('callee', 'call_canceling')) {
        invocation.callee.send({ type: 'INTERRUPT', requestId: invocation.invocationId, options: { mode: 'killnowait', reason: ErrorUri.callerGone } });
      }
    }
    for (const registration of [...peer.registrations]) this.removeCallee(peer, registration, ErrorUri.calleeGone, `the callee of "${registration.uri}" (session ${peer.id}) left`);
  }

  /** Fail every call in flight with one error (router shutdown). */
  failAllCalls(uri: string, message: string): void {
    for (const registration of this.byId.values()) {
      for (const callee of registration.callees) {
        for (const invocation of [...callee.invocations.values()]) {
          const waiting = this.callerWaiting(invocation);
          invocation.settle();
          if (waiting) this.failCall(invocation, uri, message);
        }
      }
    }
  }

  callerWaiting(invocation: Invocation): boolean {
    return invocation.caller.calls.get(invocation.callRequestId) === invocation;
  }

  timedOut(invocation: Invocation): void {
    invocation.timer = undefined;
    if (!this.callerWaiting(invocation)) return;
    invocation.settle();
    this.failCall(invocation, ErrorUri.timeout, `call to "${invocation.procedure}" timed out`);
    if (invocation.callee.supports('callee', 'call_canceling')) {
      invocation.callee.send({ type: 'INTERRUPT', requestId: invocation.invocationId, options: { mode: 'killnowait', reason: ErrorUri.timeout } });
    }
  }

  /** The invoke policy's choice among the candidates, skipping callees that drain this registration. */
  private pickCallee(registration: Registration, callees: readonly Peer[]): Peer | undefined {
    const n = callees.length;
    let start = 0;
    let step = 1;
    switch (registration.invoke) {
      case 'single':
      case 'first':
        break;
      case 'last':
        start = n - 1;
        step = -1;
        break;
      case 'random':
        start = Math.floor(this.random() * n);
        break;
      case 'roundrobin':
        start = (callees === registration.callees ? registration.roundRobinNext : registration.targetedRoundRobinNext) % n;
        break;
    }
    for (let i = 0; i < n; i++) {
      const index = (start + step * i + n) % n;
      const callee = callees[index]!;
      if (callee.draining.size !== 0 && callee.draining.has(registration)) continue;
      if (registration.invoke === 'roundrobin') {
        if (callees === registration.callees) registration.roundRobinNext = index + 1;
        else registration.targetedRoundRobinNext = index + 1;
      }
      return callee;
    }
    return undefined;
  }

  private interrupt(invocation: Invocation, reason: string): void {
    if (invocation.callee.supports('callee', 'call_canceling')) {
      invocation.callee.send({ type: 'INTERRUPT', requestId: invocation.invocationId, options: { mode: 'killnowait', reason } });
    }
  }

  /** failUri/message go to callers still waiting; a callee that is still there (not calleeGone) is interrupted. */
  private removeCallee(peer: Peer, registration: Registration, failUri: string, message: string): void {
    for (const invocation of [...peer.invocations.values()]) {
      if (invocation.registration !== registration) continue;
      const waiting = this.callerWaiting(invocation);
      invocation.settle();
      if (waiting) this.failCall(invocation, failUri, message);
      if (failUri !== ErrorUri.calleeGone) this.interrupt(invocation, failUri);
    }
    const index = registration.callees.indexOf(peer);
    if (index !== -1) registration.callees.splice(index, 1);
    peer.registrations.delete(registration);
    this.options.events.unregistered(peer, registration);
    if (registration.callees.length === 0) {
      this.table.delete(registration);
      this.byId.delete(registration.id);
      this.options.events.registrationDeleted(peer, registration);
    }
  }

  private failCall(invocation: Invocation, uri: string, message: string): void {
    invocation.caller.send({ type: 'ERROR', requestType: MessageCode.CALL, requestId: invocation.callRequestId, details: {}, error: uri, args: [message] });
  }

  private replyError(peer: Peer, requestType: number, requestId: number, uri: string, message: string): void {
    peer.send({ type: 'ERROR', requestType, requestId, details: {}, error: uri, args: [message] });
  }
}

function onCallTimeout(dealer: Dealer, invocation: Invocation): void {
  dealer.timedOut(invocation);
}
