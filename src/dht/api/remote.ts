import type { z } from 'zod';
import type { CallOptions, Session } from '../../client/index.js';
import type { Kwargs } from '../../protocol/messages.js';
import { DhtProcedure } from './procedures.js';
import { dhtStatusSchema, removalSchema, routedSchema, storedValueSchema, type DhtStatus, type RemovalResult, type Routed, type StoredValue } from './schemas.js';

export interface RemoteDhtOptions {
  /** The device (id or name) whose agent's node serves the calls; default: any agent running one. */
  readonly device?: string;
  readonly timeoutMs?: number;
}

/** The DHT as an app reaches it through the router: the agents' `agent.dht.*` procedures. */
export interface RemoteDht {
  put(key: string, value: unknown, options?: { version?: number }): Promise<StoredValue>;
  get(key: string): Promise<StoredValue | undefined>;
  remove(key: string): Promise<RemovalResult>;
  route(key: string, message?: unknown): Promise<Routed>;
  status(): Promise<DhtStatus>;
}

/**
 * A client of the agents' DHT procedures over `session`. Answers are validated; errors are the
 * SDK's RemoteError with the URI (thoth.error.dht_*, wamp.error.invalid_argument, ...).
 */
export function remoteDht(session: Session, options: RemoteDhtOptions = {}): RemoteDht {
  const callOptions: CallOptions = { ...(options.device === undefined ? {} : { device: options.device }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
  const call = async <S extends z.ZodType>(procedure: string, kwargs: Kwargs, schema: S): Promise<z.output<S>> => {
    const result = await session.call(procedure, [], kwargs, callOptions);
    const parsed = schema.safeParse(result.value);
    if (!parsed.success) throw new TypeError(`${procedure} answered something unexpected: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  };
  return {
    put: (key, value, putOptions = {}) => call(DhtProcedure.put, { key, value: value ?? null, ...putOptions }, storedValueSchema),
    get: async (key) => (await call(DhtProcedure.get, { key }, storedValueSchema.nullable())) ?? undefined,
    remove: (key) => call(DhtProcedure.remove, { key }, removalSchema),
    route: (key, message) => call(DhtProcedure.route, { key, ...(message === undefined ? {} : { message }) }, routedSchema),
    status: () => call(DhtProcedure.status, {}, dhtStatusSchema),
  };
}
