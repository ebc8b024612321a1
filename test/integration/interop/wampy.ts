import WebSocket from 'ws';
import { Wampy } from 'wampy';
import { JsonSerializer } from 'wampy/JsonSerializer.js';
import { MsgpackSerializer } from 'wampy/MsgpackSerializer.js';
import { CborSerializer } from 'wampy/CborSerializer.js';
import type { SerializerName } from './autobahn.js';
import { deferred } from './waiting.js';

export { Wampy };

/** Wampy's options want a browser WebSocket constructor; the `ws` class is what it uses in Node. */
type WampyWebSocket = NonNullable<ConstructorParameters<typeof Wampy>[1]>['ws'];

export interface OpenWampyOptions {
  url: string;
  /** thoth speaks json and msgpack; cbor is there to see a refusal. */
  serializer: SerializerName | 'cbor';
  realm?: string;
}

export interface WampyClient {
  readonly wampy: Wampy;
  /** The session id as a number: wampy's MessagePack decoder gives ids past 2^32 as BigInt. */
  readonly sessionId: number;
  /** The session id exactly as wampy holds it (number, or BigInt from its MessagePack decoder). */
  readonly rawSessionId: number | bigint;
  /** Settles when the connection closes, whoever closed it. */
  readonly closed: Promise<void>;
  /** Say GOODBYE and wait for the socket to close. Idempotent. */
  close(): Promise<void>;
}

function serializerFor(name: OpenWampyOptions['serializer']): JsonSerializer | MsgpackSerializer | CborSerializer {
  if (name === 'json') return new JsonSerializer();
  return name === 'msgpack' ? new MsgpackSerializer() : new CborSerializer();
}

export async function openWampy(options: OpenWampyOptions): Promise<WampyClient> {
  const closed = deferred<void>();
  const wampy = new Wampy(options.url, {
    onClose: () => closed.resolve(),
    realm: options.realm ?? 'thoth',
    serializer: serializerFor(options.serializer),
    ws: WebSocket as unknown as WampyWebSocket,
    autoReconnect: false,
  });
  await wampy.connect();
  const raw: unknown = wampy.getSessionId();
  if (typeof raw !== 'number' && typeof raw !== 'bigint') throw new Error(`wampy has no session id after connect: ${String(raw)}`);
  let closing: Promise<void> | undefined;
  return {
    wampy,
    sessionId: Number(raw),
    rawSessionId: raw,
    closed: closed.promise,
    close() {
      closing ??= wampy.disconnect().then(() => undefined);
      return closing;
    },
  };
}

/**
 * What a wampy endpoint throws to answer with an application error: wampy reads
 * the error URI, argsList and argsDict off whatever was thrown.
 */
export class WampyAppError extends Error {
  constructor(
    readonly error: string,
    readonly argsList: unknown[] = [],
    readonly argsDict: Record<string, unknown> = {},
  ) {
    super(error);
  }
}
