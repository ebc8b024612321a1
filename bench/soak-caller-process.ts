/**
 * The soak's caller: a bare RawSocket + MessagePack client (no SDK, so every RESULT
 * on the wire is seen) that makes `calls` CALLs to bench.echo with request ids
 * 1..calls, `outstanding` in flight, each carrying its own id as the argument. It
 * counts the answers per request id: a result never received is lost, a second one
 * is duplicated, a result whose argument is not its own id is misrouted.
 * Prints {"event":"progress","done":n} every `progressEvery` answers, then one result line.
 */
import { connect } from 'node:net';
import { serializers } from '../src/codec/index.js';
import { MessageCode as C } from '../src/protocol/messages.js';
import { encodeFrame, FrameType, RawSocketFramer } from '../src/transport/rawsocket-framer.js';
import { encodeHandshake } from '../src/transport/rawsocket-handshake.js';

interface Config {
  url: string;
  calls: number;
  outstanding: number;
  progressEvery: number;
}

function line(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

const codec = serializers.msgpack;

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as Config;
  const target = new URL(config.url);
  const socket = connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  const counts = new Uint8Array(config.calls + 1);
  let answered = 0;
  let misrouted = 0;
  let errors = 0;
  let firstError: string | undefined;
  let unknown = 0;
  let sent = 0;
  let started = 0n;
  let handshaken = false;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));

  const pending: Buffer[] = [];
  let flushQueued = false;
  const send = (message: unknown[]): void => {
    pending.push(encodeFrame(FrameType.message, codec.encode(message)));
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(() => {
        flushQueued = false;
        socket.write(Buffer.concat(pending.splice(0)));
      });
    }
  };
  const callNext = (): void => {
    if (sent >= config.calls) return;
    sent++;
    send([C.CALL, sent, {}, 'bench.echo', [sent]]);
  };

  const framer = new RawSocketFramer(2 ** 24, {
    frame(type, bytes, start, end) {
      if (type !== FrameType.message) return;
      const message = codec.decode(bytes.subarray(start, end)) as unknown[];
      if (message[0] === C.WELCOME) {
        started = process.hrtime.bigint();
        for (let i = 0; i < config.outstanding; i++) callNext();
        return;
      }
      const id = message[0] === C.RESULT ? message[1] : message[0] === C.ERROR ? message[2] : undefined;
      if (typeof id !== 'number' || id < 1 || id > config.calls) {
        unknown++;
        firstError ??= `unexpected message ${JSON.stringify(message).slice(0, 200)}`;
        if (message[0] === C.ABORT || message[0] === C.GOODBYE) done();
        return;
      }
      counts[id] = Math.min(255, counts[id]! + 1);
      if (message[0] === C.ERROR) {
        errors++;
        firstError ??= `ERROR ${String(message[4])} ${JSON.stringify(message[5])}`;
      } else if ((message[3] as unknown[] | undefined)?.[0] !== id) misrouted++;
      answered++;
      if (answered % config.progressEvery === 0) line({ event: 'progress', done: answered });
      if (answered === config.calls) done();
      else callNext();
    },
    refuse(_refusal, reason) {
      firstError ??= `bad frame from the router: ${reason}`;
      done();
    },
  });
  let handshake = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    if (handshaken) return framer.push(chunk);
    handshake = Buffer.concat([handshake, chunk]);
    if (handshake.length < 4) return;
    handshaken = true;
    if (handshake[0] !== 0x7f || (handshake[1]! & 0x0f) !== 2) throw new Error(`handshake refused: ${handshake.toString('hex')}`);
    if (handshake.length > 4) framer.push(handshake.subarray(4));
  });
  socket.on('error', (error) => {
    firstError ??= `socket error: ${error.message}`;
    done();
  });
  socket.on('close', () => done());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(encodeHandshake('msgpack', 2 ** 24));
  send([C.HELLO, 'thoth', { roles: { caller: {} } }]);
  await finished;
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  let lost = 0;
  let duplicated = 0;
  for (let id = 1; id <= config.calls; id++) {
    if (counts[id] === 0) lost++;
    else if (counts[id]! > 1) duplicated++;
  }
  line({ event: 'result', calls: config.calls, answered, lost, duplicated, misrouted, errors, unknown, elapsedMs, firstError });
  socket.end();
  process.exit(0);
}

main().catch((error: unknown) => {
  line({ event: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
