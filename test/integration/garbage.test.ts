/**
 * Bytes no client should send, against a router process: garbage before and
 * after the RawSocket handshake, bad handshakes, truncated and oversized frames,
 * and WAMP messages that are unknown or out of place over a real WebSocket.
 * After each, the router process is alive and a fresh SDK session works.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClientError } from '../../src/client/index.js';
import { serializers } from '../../src/codec/index.js';
import { startCallee } from './support/apps.js';
import { killAll } from './support/child.js';
import { rejection, within } from './support/deadline.js';
import { frame, RawProbe } from './support/raw-probe.js';
import { assertRunning, startRouterProcess, type RouterProcess } from './support/router-process.js';
import { SessionPool } from './support/sessions.js';
import { WsProbe } from './support/ws-probe.js';

/** The router is configured down to 64 KiB messages, so an oversized frame is easy to announce. */
const MAX_MESSAGE_BYTES = 65_536;
const msgpack = serializers.msgpack;
const MSGPACK_HANDSHAKE = Buffer.from([0x7f, 0xf2, 0x00, 0x00]);

/** The same "random" bytes every run (a linear congruential sequence); the first is not the 0x7f magic. */
function noise(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  if (bytes[0] === 0x7f) bytes[0] = 0x13;
  return bytes;
}

interface Abort {
  reason: unknown;
  message: string;
}

function asAbort(message: unknown, what: string): Abort {
  assert.ok(Array.isArray(message) && message[0] === 3 && message.length === 3, `expected ABORT for ${what}, got ${JSON.stringify(message)}`);
  const details = message[1] as { message?: unknown };
  assert.equal(typeof details.message, 'string', `ABORT for ${what} has no details.message: ${JSON.stringify(message)}`);
  return { reason: message[2], message: details.message as string };
}

describe('garbage on the sockets of a router process', { timeout: 60_000 }, () => {
  const pool = new SessionPool();
  let dir: string;
  let router: RouterProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-it-'));
    const configPath = join(dir, 'router.yaml');
    await writeFile(configPath, `limits:\n  maxMessageBytes: ${MAX_MESSAGE_BYTES}\n`);
    router = await startRouterProcess({ configPath });
    await startCallee({ url: router.wsUrl, name: 'echo', procedures: [{ uri: 'test.echo', behavior: 'echo' }] });
  });

  after(async () => {
    await pool.closeAll();
    await killAll();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** The router process is alive and a new session over each transport works. */
  async function assertServing(): Promise<void> {
    assertRunning(router);
    for (const [url, serializer] of [[router.rawUrl, 'msgpack'], [router.wsUrl, 'json']] as const) {
      const session = await pool.connect(url, serializer);
      const result = await within(session.call('test.echo', ['alive']), 5_000, `a fresh call over ${url}`);
      assert.equal(result.value, 'alive');
      await session.close();
    }
  }

  /** A RawSocket connection past its handshake; checks the router's reply. */
  async function handshaken(): Promise<RawProbe> {
    const probe = await RawProbe.open(router.rawUrl);
    probe.write(MSGPACK_HANDSHAKE);
    const reply = await probe.read(4, 'the handshake reply');
    assert.equal(reply[0], 0x7f);
    assert.equal(reply[1]! & 0x0f, 2, 'the router did not echo MessagePack');
    assert.equal(2 ** ((reply[1]! >> 4) + 9), MAX_MESSAGE_BYTES, 'the router announced another maximum length');
    return probe;
  }

  describe('RawSocket', () => {
    test('random bytes instead of a handshake: the router hangs up without an answer', async () => {
      const probe = await RawProbe.open(router.rawUrl);
      probe.write(noise(256, 7));
      await probe.waitForClose('the router to close the connection');
      assert.equal(probe.bytes.length, 0, `the router answered ${probe.bytes.toString('hex')}`);
      await assertServing();
    });

    test('an HTTP request on the RawSocket port: the router hangs up', async () => {
      const probe = await RawProbe.open(router.rawUrl);
      probe.write(Buffer.from('GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n'));
      await probe.waitForClose('the router to close the connection');
      assert.equal(probe.bytes.length, 0);
      await assertServing();
    });

    const refusals = [
      { name: 'a wrong magic octet', bytes: [0x7e, 0xf2, 0, 0], reply: undefined },
      { name: 'an unsupported serializer (CBOR)', bytes: [0x7f, 0xf3, 0, 0], reply: [0x7f, 0x10, 0, 0] },
      { name: 'serializer 0', bytes: [0x7f, 0xf0, 0, 0], reply: [0x7f, 0x10, 0, 0] },
      { name: 'reserved octets set', bytes: [0x7f, 0xf2, 0x01, 0], reply: [0x7f, 0x30, 0, 0] },
    ];
    for (const refusal of refusals) {
      test(`a handshake with ${refusal.name} is refused`, async () => {
        const probe = await RawProbe.open(router.rawUrl);
        probe.write(Buffer.from(refusal.bytes));
        await probe.waitForClose('the router to close the connection');
        assert.deepEqual([...probe.bytes], refusal.reply ?? [], 'the router\'s reply');
        await assertServing();
      });
    }

    test('a handshake sent one octet at a time still works', async () => {
      const probe = await RawProbe.open(router.rawUrl);
      for (const octet of MSGPACK_HANDSHAKE) probe.write(Buffer.from([octet]));
      const reply = await probe.read(4, 'the handshake reply');
      assert.equal(reply[1]! & 0x0f, 2);
      probe.destroy();
    });

    test('a frame of garbage after the handshake: ABORT wamp.error.protocol_violation, then the router hangs up', async () => {
      const probe = await handshaken();
      probe.write(frame(Buffer.from([0xc1, 0xc1, 0xc1, 0xc1])));
      const frames = await probe.frames(1, 'the ABORT frame');
      assert.equal(frames.length, 1, 'no frame came back');
      const abort = asAbort(msgpack.decode(frames[0]!.payload), 'an undecodable frame');
      assert.equal(abort.reason, 'wamp.error.protocol_violation');
      await probe.waitForClose('the router to close the connection');
      await assertServing();
    });

    test('random frames after the handshake: ABORT wamp.error.protocol_violation', async () => {
      const probe = await handshaken();
      probe.write(frame(noise(40, 99)));
      const frames = await probe.frames(1, 'the ABORT frame');
      const abort = asAbort(msgpack.decode(frames[0]!.payload), 'a random frame');
      assert.equal(abort.reason, 'wamp.error.protocol_violation');
      await probe.waitForClose('the router to close the connection');
      await assertServing();
    });

    test('a frame header with reserved bits set: ABORT naming the framing error', async () => {
      const probe = await handshaken();
      probe.write(Buffer.from([0xf0, 0, 0, 4, 1, 2, 3, 4]));
      const frames = await probe.frames(1, 'the ABORT frame');
      const abort = asAbort(msgpack.decode(frames[0]!.payload), 'a bad frame header');
      assert.equal(abort.reason, 'wamp.error.protocol_violation');
      assert.match(abort.message, /reserved/);
      await probe.waitForClose('the router to close the connection');
      await assertServing();
    });

    test('a truncated frame, then the client hangs up mid-session', async () => {
      const probe = await handshaken();
      probe.write(frame(msgpack.encode([1, 'thoth', { roles: { caller: {} } }])));
      const [welcome] = await probe.frames(1, 'WELCOME');
      assert.equal((msgpack.decode(welcome!.payload) as unknown[])[0], 2);
      probe.write(Buffer.concat([Buffer.from([0, 0, 0, 100]), Buffer.alloc(10)]));
      probe.socket.end();
      await probe.waitForClose('the connection to close');
      await assertServing();
    });

    test(`a frame header announcing more than ${MAX_MESSAGE_BYTES} bytes: the router drops the connection at once`, async () => {
      const probe = await handshaken();
      probe.write(Buffer.from([0, 0x10, 0, 0])); // 1 MiB, and no body follows
      await probe.waitForClose('the router to drop the connection');
      assert.equal(probe.bytes.length, 4, `the router sent more than its handshake reply: ${probe.bytes.toString('hex')}`);
      await assertServing();
    });
  });

  describe('messages over the size limit, from the SDK', () => {
    const big = 'x'.repeat(MAX_MESSAGE_BYTES + 1024);

    test('over RawSocket the call fails at once and the session goes on', async () => {
      const session = await pool.connect(router.rawUrl, 'msgpack');
      const error = await rejection(session.call('test.echo', [big]), 5_000, 'the oversized call');
      assert.ok(error instanceof ClientError, `expected a ClientError, got ${String(error)}`);
      const after = await within(session.call('test.echo', ['small']), 5_000, 'a normal call on the same session');
      assert.equal(after.value, 'small');
      await session.close();
      await assertServing();
    });

    test('over WebSocket the call fails (the router closes that connection) and nothing hangs', async () => {
      const session = await pool.connect(router.wsUrl, 'json');
      await rejection(session.call('test.echo', [big]), 5_000, 'the oversized call');
      await session.close();
      await assertServing();
    });
  });

  describe('WebSocket (JSON)', () => {
    const beforeHello = [
      { name: 'an unknown message code', send: [999, 1], reason: /999/ },
      { name: 'CALL before HELLO', send: [48, 1, {}, 'test.echo', []], reason: /expected HELLO, got CALL/ },
      { name: 'GOODBYE before HELLO', send: [6, {}, 'wamp.close.normal'], reason: /expected HELLO, got GOODBYE/ },
      { name: 'a message that is not an array', send: { hello: 'thoth' }, reason: /must be an array/ },
      { name: 'a HELLO without roles', send: [1, 'thoth', {}], reason: /roles/ },
    ];
    for (const { name, send, reason } of beforeHello) {
      test(`${name}: ABORT wamp.error.protocol_violation naming the problem`, async () => {
        const probe = await WsProbe.open(router.wsUrl);
        probe.send(send);
        const abort = asAbort(await probe.message(0, 'the ABORT'), name);
        assert.equal(abort.reason, 'wamp.error.protocol_violation');
        assert.match(abort.message, reason);
        await probe.waitForClose('the router to close the WebSocket');
        await assertServing();
      });
    }

    test('text that is not JSON: ABORT wamp.error.protocol_violation', async () => {
      const probe = await WsProbe.open(router.wsUrl);
      probe.sendText('[1, "thoth", {');
      const abort = asAbort(await probe.message(0, 'the ABORT'), 'broken JSON');
      assert.equal(abort.reason, 'wamp.error.protocol_violation');
      await probe.waitForClose('the router to close the WebSocket');
      await assertServing();
    });

    const established = [
      { name: 'an unknown message code in an established session', send: [999, 1, {}], reason: /999/ },
      { name: 'a second HELLO', send: [1, 'thoth', { roles: { caller: {} } }], reason: /HELLO/ },
      { name: 'WELCOME sent by a client', send: [2, 1234, {}], reason: /WELCOME/ },
      { name: 'RESULT sent by a client', send: [50, 1, {}, []], reason: /RESULT/ },
      { name: 'an ERROR answering a CALL, sent by a client', send: [8, 48, 1, {}, 'app.error.x'], reason: /ERROR/ },
    ];
    for (const { name, send, reason } of established) {
      test(`${name}: ABORT wamp.error.protocol_violation naming the problem`, async () => {
        const probe = await WsProbe.join(router.wsUrl);
        probe.send(send);
        const abort = asAbort(await probe.message(1, 'the ABORT'), name);
        assert.equal(abort.reason, 'wamp.error.protocol_violation');
        assert.match(abort.message, reason);
        await probe.waitForClose('the router to close the WebSocket');
        await assertServing();
      });
    }

    test('a CALL with an invalid procedure URI is answered with ERROR and the session goes on', async () => {
      const probe = await WsProbe.join(router.wsUrl);
      try {
        probe.send([48, 7, {}, 'bad..uri', []]);
        const error = await probe.message(1, 'the ERROR');
        assert.ok(Array.isArray(error), JSON.stringify(error));
        assert.deepEqual(error.slice(0, 5), [8, 48, 7, {}, 'wamp.error.invalid_uri']);
        probe.send([48, 8, {}, 'test.echo', ['after']]);
        assert.deepEqual(await probe.message(2, 'the RESULT'), [50, 8, {}, ['after']]);
      } finally {
        probe.close();
      }
      await assertServing();
    });
  });
});
