import { MessageCode, type Args, type Dict, type Kwargs, type Message } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import { payloadOf } from '../protocol/raw-payload.js';
import type { Logger } from '../observability/logger.js';
import { Peer, type SessionSummary } from './peer.js';

/** An error an internal procedure throws to answer with a given URI. */
export class ProcedureError extends Error {
  override readonly name = 'ProcedureError';
  constructor(readonly uri: string, message: string, readonly kwargs?: Kwargs) {
    super(message);
  }
}

export interface InternalCallDetails {
  /** The caller's session id, always known to the router. */
  caller: number;
  procedure: string;
}

export type InternalProcedure = (args: Args, kwargs: Kwargs, details: InternalCallDetails) => unknown;

/** Where the internal session hands its own messages: the realm's dispatch, like any session's. */
export type Dispatch = (peer: Peer, message: Message) => void;

/**
 * The router's own session in a realm. It registers the meta API (and later the
 * mesh's procedures) through REGISTER messages and answers INVOCATIONs with YIELD
 * or ERROR through the realm's dispatch: internal services take the same path
 * through the dealer as any app, with the same policies, timeouts and meta events.
 */
export class InternalSession extends Peer {
  readonly isInternal = true;
  private readonly handlers = new Map<number, InternalProcedure>();
  private readonly pendingRegistrations = new Map<number, InternalProcedure>();
  private lastRequestId = 0;
  private dispatch: Dispatch | undefined;

  constructor(id: number, private readonly logger: Logger) {
    super(id, { authid: 'thoth', authrole: 'router', authmethod: 'internal', authprovider: 'router' }, {
      callee: { features: { progressive_call_results: false, call_canceling: false, caller_identification: true } },
      publisher: { features: {} },
    });
  }

  get summary(): SessionSummary {
    return { session: this.id, ...this.identity, transport: { type: 'internal', serializer: 'none', peer: 'router' } };
  }

  kill(): void {
    // The router's own session lives as long as its realm.
  }

  connect(dispatch: Dispatch): void {
    this.dispatch = dispatch;
  }

  /** Register a router procedure (the meta API, thoth.*) through the dealer. */
  register(procedure: string, handler: InternalProcedure): void {
    const requestId = ++this.lastRequestId;
    this.pendingRegistrations.set(requestId, handler);
    this.dispatch?.(this, { type: 'REGISTER', requestId, options: { disclose_caller: true }, procedure });
  }

  send(message: Message): boolean {
    switch (message.type) {
      case 'REGISTERED': {
        const handler = this.pendingRegistrations.get(message.requestId);
        this.pendingRegistrations.delete(message.requestId);
        if (handler) this.handlers.set(message.registrationId, handler);
        return true;
      }
      case 'INVOCATION': {
        const { args, kwargs } = payloadOf(message);
        this.invoke(message.requestId, message.registrationId, message.details, args ?? [], kwargs ?? {});
        return true;
      }
      case 'ERROR':
        this.logger.error({ requestType: message.requestType, error: message.error, args: payloadOf(message).args }, 'internal session request failed');
        return true;
      default:
        return true; // INTERRUPT and others: internal procedures are quick and synchronous or short async
    }
  }

  private invoke(requestId: number, registrationId: number, details: Dict, args: Args, kwargs: Kwargs): void {
    const handler = this.handlers.get(registrationId);
    if (handler === undefined) {
      this.answerError(requestId, ErrorUri.noSuchProcedure, `registration ${registrationId} is not the router's`);
      return;
    }
    const callDetails: InternalCallDetails = {
      caller: typeof details['caller'] === 'number' ? details['caller'] : 0,
      procedure: typeof details['procedure'] === 'string' ? details['procedure'] : '',
    };
    let outcome: unknown;
    try {
      outcome = handler(args, kwargs, callDetails);
    } catch (error) {
      this.answerThrown(requestId, error);
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then((value: unknown) => this.answer(requestId, value), (error: unknown) => this.answerThrown(requestId, error));
    } else {
      this.answer(requestId, outcome);
    }
  }

  private answer(requestId: number, value: unknown): void {
    this.dispatch?.(this, { type: 'YIELD', requestId, options: {}, args: value === undefined ? [] : [value] });
  }

  private answerThrown(requestId: number, error: unknown): void {
    if (error instanceof ProcedureError) {
      this.answerError(requestId, error.uri, error.message, error.kwargs);
      return;
    }
    this.logger.error({ err: error }, 'internal procedure failed');
    this.answerError(requestId, ErrorUri.handlerFailed, error instanceof Error ? error.message : String(error));
  }

  private answerError(requestId: number, uri: string, message: string, kwargs?: Kwargs): void {
    this.dispatch?.(this, { type: 'ERROR', requestType: MessageCode.INVOCATION, requestId, details: {}, error: uri, args: [message], kwargs });
  }
}
