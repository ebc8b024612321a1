/**
 * The baseline: a bare Node TCP relay between one caller and one callee. It
 * cuts the byte stream into length-prefixed frames (so it never forwards half a
 * message, as a router must not) and forwards each run of complete frames to
 * the other side in one write, without decoding the bodies. Frames from the
 * caller go to the callee and frames from the callee go back to the caller.
 * Backpressure: when a write returns false, the sending side is paused until
 * drain. No routing, no sessions, no ids, no serialization.
 */
import net from 'node:net';
import { once } from 'node:events';
import { FrameScanner } from './relay-frame.js';
import { emit, fail, maxRssKb, serveDriver } from './lines.js';

type Side = 'caller' | 'callee';

const sockets: Partial<Record<Side, net.Socket>> = {};
const waiting: Record<Side, Buffer[]> = { caller: [], callee: [] };

function other(side: Side): Side {
  return side === 'caller' ? 'callee' : 'caller';
}

function forward(to: Side, bytes: Buffer, from: net.Socket): void {
  const target = sockets[to];
  if (!target) {
    waiting[to].push(bytes);
    return;
  }
  if (!target.write(bytes)) {
    from.pause();
    target.once('drain', () => from.resume());
  }
}

function serve(side: Side): net.Server {
  return net.createServer({ noDelay: true }, (socket) => {
    if (sockets[side]) {
      socket.destroy();
      return;
    }
    sockets[side] = socket;
    for (const bytes of waiting[side].splice(0)) socket.write(bytes);
    const scanner = new FrameScanner();
    socket.on('data', (chunk: Buffer) => {
      let cut;
      try {
        cut = scanner.push(chunk);
      } catch (error) {
        socket.destroy(error as Error);
        return;
      }
      if (cut.end > 0) forward(other(side), cut.buffer.subarray(0, cut.end), socket);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (sockets[side] === socket) delete sockets[side];
    });
  });
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

async function main(): Promise<void> {
  const callerServer = serve('caller');
  const calleeServer = serve('callee');
  const [callerPort, calleePort] = await Promise.all([listen(callerServer), listen(calleeServer)]);
  serveDriver(() => {
    emit({ event: 'exit', maxRssKb: maxRssKb() });
    process.exit(0);
  });
  emit({ event: 'ready', callerPort, calleePort });
}

main().catch(fail);
