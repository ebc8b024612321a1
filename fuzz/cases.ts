/**
 * Runs one fuzz case against a FuzzTarget and says how the bad session ended.
 * Throws FuzzFailure when an invariant breaks: the router sent something that does
 * not decode, ended a session without a reason, answered a step other than the
 * spec says, logged an error, left a session behind, or the bystanders stopped working.
 */
import { MessageCode as C } from '../src/protocol/messages.js';
import type { FuzzCase, HandshakeCase, InvalidStateCase, MutatedFramesCase, RandomBytesCase } from './generators.js';
import { FuzzPeer } from './peer.js';
import { runSteps } from './steps.js';
import { FUZZ_MAX_MESSAGE_BYTES, type FuzzTarget } from './target.js';
import { abortLabel, FuzzFailure, type Outcome } from './outcome.js';
import { applyMutations, frameMessages } from './mutate.js';

export async function runCase(target: FuzzTarget, fuzzCase: FuzzCase): Promise<Outcome> {
  target.forgetLogs();
  const mark = 0;
  let outcome: Outcome;
  try {
    switch (fuzzCase.kind) {
      case 'random-bytes': outcome = await runRandomBytes(target, fuzzCase, mark); break;
      case 'mutated-frames': outcome = await runMutated(target, fuzzCase, mark); break;
      case 'invalid-state': outcome = await runInvalidState(target, fuzzCase); break;
      case 'handshake': outcome = await runHandshake(target, fuzzCase); break;
    }
    await target.settled();
  } catch (error) {
    throw error instanceof FuzzFailure ? error : new FuzzFailure(`${(error as Error).message}`, { cause: error });
  }
  const trouble = target.troubleSince(mark);
  if (trouble.length > 0) throw new FuzzFailure(trouble.join('\n'));
  try {
    await target.checkBystander();
  } catch (error) {
    throw new FuzzFailure(`the bystander broke: ${(error as Error).message}`, { cause: error });
  }
  return outcome;
}

async function runRandomBytes(target: FuzzTarget, c: RandomBytesCase, mark: number): Promise<Outcome> {
  const peer = await FuzzPeer.open(portOf(target, c.wire), c.wire, c.serializer);
  try {
    if (c.joinFirst) await join(peer);
    const payload = c.framed ? peer.frameRaw(c.bytes) : Buffer.from(c.bytes);
    writeInPieces(peer, payload, c.pieces);
    peer.send(peer.terminator(FUZZ_MAX_MESSAGE_BYTES));
    return { ending: await ending(target, peer, mark), answers: [] };
  } finally {
    peer.destroy();
  }
}

async function runMutated(target: FuzzTarget, c: MutatedFramesCase, mark: number): Promise<Outcome> {
  const peer = await FuzzPeer.open(portOf(target, c.wire), c.wire, c.serializer);
  try {
    const frames = frameMessages(peer, c.messages);
    peer.send(applyMutations(frames, c.mutations, c.wire));
    peer.send(peer.terminator(FUZZ_MAX_MESSAGE_BYTES));
    return { ending: await ending(target, peer, mark), answers: [] };
  } finally {
    peer.destroy();
  }
}

async function runInvalidState(target: FuzzTarget, c: InvalidStateCase): Promise<Outcome> {
  const peer = await FuzzPeer.open(portOf(target, c.wire), c.wire, c.serializer);
  try {
    return await runSteps(target, peer, c.steps);
  } finally {
    peer.destroy();
  }
}

/** What the router must answer to 4 opening octets (RawSocket spec, "Handshake"). */
export function expectedHandshakeReply(bytes: Uint8Array): number[] | undefined {
  if (bytes[0] !== 0x7f) return undefined;
  if (bytes[2] !== 0 || bytes[3] !== 0) return [0x7f, 0x30, 0, 0];
  const serializer = bytes[1]! & 0x0f;
  if (serializer !== 1 && serializer !== 2) return [0x7f, 0x10, 0, 0];
  return [0x7f, (Math.log2(FUZZ_MAX_MESSAGE_BYTES) - 9) << 4 | serializer, 0, 0];
}

async function runHandshake(target: FuzzTarget, c: HandshakeCase): Promise<Outcome> {
  const peer = await FuzzPeer.connect(target.rawPort, 'rawsocket', 'msgpack');
  try {
    const bytes = Buffer.from(c.bytes);
    const expected = expectedHandshakeReply(bytes);
    writeInPieces(peer, bytes.subarray(0, 4), c.pieces);
    peer.send(bytes.subarray(4));
    if (expected !== undefined && expected[1]! & 0x0f) {
      // Accepted: the reply, then the router treats the rest as frames; end with the terminator like (a).
      const reply = await peer.bytes(4, 'the handshake reply');
      if (!reply.subarray(0, 4).equals(Buffer.from(expected))) throw new FuzzFailure(`handshake ${bytes.subarray(0, 4).toString('hex')}: expected reply ${Buffer.from(expected).toString('hex')}, got ${reply.subarray(0, 4).toString('hex')}`);
      peer.destroy();
      return { ending: 'handshake accepted', answers: [] };
    }
    await peer.waitForClose('the router to hang up after a refused handshake');
    const got = peer.received;
    if (expected === undefined) {
      if (got.length !== 0) throw new FuzzFailure(`handshake ${bytes.subarray(0, 4).toString('hex')}: bad magic must get no reply, got ${got.toString('hex')}`);
      return { ending: 'handshake dropped (bad magic)', answers: [] };
    }
    if (!got.equals(Buffer.from(expected))) throw new FuzzFailure(`handshake ${bytes.subarray(0, 4).toString('hex')}: expected error reply ${Buffer.from(expected).toString('hex')}, got ${got.toString('hex')}`);
    return { ending: `handshake refused 0x${expected[1]!.toString(16)}`, answers: [] };
  } finally {
    peer.destroy();
  }
}

function portOf(target: FuzzTarget, wire: 'rawsocket' | 'websocket'): number {
  return wire === 'rawsocket' ? target.rawPort : target.wsPort;
}

/** HELLO, and the WELCOME that must answer it. */
export async function join(peer: FuzzPeer): Promise<void> {
  peer.send(peer.frame([C.HELLO, 'thoth', { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } }]));
  const [welcome] = await peer.messagesAfter(1, 'WELCOME');
  if (!Array.isArray(welcome) || welcome[0] !== C.WELCOME) throw new FuzzFailure(`expected WELCOME, got ${JSON.stringify(welcome)}`);
}

function writeInPieces(peer: FuzzPeer, bytes: Buffer, pieces: number[]): void {
  let at = 0;
  for (const length of pieces) {
    if (at >= bytes.length) break;
    peer.send(bytes.subarray(at, at + length));
    at += length;
  }
  if (at < bytes.length) peer.send(bytes.subarray(at));
}

/**
 * Waits for the router to end the session and names how: the first ABORT (which
 * must carry a reason URI and a message), a GOODBYE, a WebSocket close code, or the
 * close code the router logged. A hang-up with none of these is a failure.
 */
export async function ending(target: FuzzTarget, peer: FuzzPeer, mark: number): Promise<string> {
  await peer.waitForClose('the router to end the session');
  await target.settled();
  if (peer.garbled.length > 0) throw new FuzzFailure(peer.garbled.join('; '));
  const abort = peer.messages.find((m) => Array.isArray(m) && m[0] === C.ABORT) as unknown[] | undefined;
  if (abort !== undefined) return abortLabel(abort);
  if (peer.messages.some((m) => Array.isArray(m) && m[0] === C.GOODBYE)) return 'goodbye';
  if (peer.wsClose !== undefined) return `ws-close ${peer.wsClose.code}`;
  const codes = target.closeCodesSince(mark).filter((code) => code !== 'closed');
  if (codes.length > 0) return `router-close ${codes[0]}`;
  throw new FuzzFailure(`the router hung up without ABORT, close code or logged reason; it sent ${JSON.stringify(peer.messages)}`);
}
