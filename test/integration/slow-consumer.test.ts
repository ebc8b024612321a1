/**
 * A subscriber that stops reading under a firehose of events: the router (in this
 * process) cuts it off with close code queue_full once its outbound queue passes
 * limits.maxQueuedBytes, its memory stays far below what was published, and a
 * subscriber that keeps reading gets every event, in order. Once the cut-off
 * subscriber reads again it learns why: an ABORT thoth.error.outbound_queue_full
 * after what its socket already held (WebSocket: then a close frame 1008).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { connect, type Session } from '../../src/client/index.js';
import { MessageCode as C } from '../../src/protocol/messages.js';
import { createLogger } from '../../src/observability/logger.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { Router } from '../../src/router/index.js';
import { Conditions } from '../../fuzz/conditions.js';
import { FuzzPeer } from '../../fuzz/peer.js';

const MAX_QUEUED_BYTES = 1024 * 1024;
const EVENTS = 20_000;
const EVENT_BYTES = 1024;
const BATCH = 250;
const TOPIC = 'test.firehose';

interface LogLine {
  msg: string;
  session?: number;
  code?: string;
  reason?: string;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory(): { rss: number; heap: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.arrayBuffers };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

describe('a slow consumer under a firehose', { timeout: 120_000 }, () => {
  const logs: LogLine[] = [];
  const logged = new Conditions();
  let router: Router;
  let rawPort: number;
  let wsUrl: string;
  const sessions: Session[] = [];
  const peers: FuzzPeer[] = [];
  let slow: FuzzPeer | undefined;

  before(async () => {
    const destination = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        for (const line of chunk.toString().split('\n')) if (line.length > 0) logs.push(JSON.parse(line) as LogLine);
        logged.changed();
        callback();
      },
    });
    router = new Router({ logger: createLogger({ level: 'info', destination }), limits: { maxQueuedBytes: MAX_QUEUED_BYTES } });
    const urls = await router.listen({ rawsocket: { host: '127.0.0.1', port: 0 }, websocket: { host: '127.0.0.1', port: 0 } });
    rawPort = Number(new URL(urls.find((u) => u.startsWith('tcp:'))!).port);
    wsUrl = urls.find((u) => u.startsWith('ws:'))!;
  });

  after(async () => {
    slow?.destroy();
    for (const peer of peers) peer.destroy();
    await Promise.allSettled(sessions.map((s) => s.close()));
    await router?.close();
  });

  test('the subscriber that stops reading is cut off with queue_full; the router stays small; the reader gets every event in order', async (t) => {
    // The slow one: a bare RawSocket client that joins, subscribes, then never reads again.
    slow = await FuzzPeer.open(rawPort, 'rawsocket', 'msgpack');
    slow.send(slow.frame([C.HELLO, 'thoth', { roles: { subscriber: {} } }]));
    const [welcome] = await slow.messagesAfter(1, 'WELCOME');
    assert.ok(Array.isArray(welcome) && welcome[0] === C.WELCOME, `expected WELCOME, got ${JSON.stringify(welcome)}`);
    const slowSessionId = welcome[1] as number;
    slow.send(slow.frame([C.SUBSCRIBE, 1, {}, TOPIC]));
    const [, subscribed] = await slow.messagesAfter(2, 'SUBSCRIBED');
    assert.ok(Array.isArray(subscribed) && subscribed[0] === C.SUBSCRIBED, `expected SUBSCRIBED, got ${JSON.stringify(subscribed)}`);
    slow.socket.pause();

    // The well-behaved one, over WebSocket, and the publisher, over RawSocket.
    const received: number[] = [];
    const progress = new Conditions();
    const reader = await connect({ url: wsUrl, serializer: 'msgpack', reconnect: false });
    sessions.push(reader);
    await reader.subscribe(TOPIC, (args) => {
      received.push(args[0] as number);
      progress.changed();
    });
    const publisher = await connect({ url: `tcp://127.0.0.1:${rawPort}`, serializer: 'msgpack', reconnect: false });
    sessions.push(publisher);

    const slowEnded = (): LogLine | undefined => logs.find((l) => l.msg === 'session left' && l.session === slowSessionId);
    const before = memory();
    let peakLive = before.heap;
    let midRss: number | undefined;
    let cutOffAt: number | undefined;
    const body = 'x'.repeat(EVENT_BYTES);
    for (let next = 0; next < EVENTS;) {
      const end = Math.min(next + BATCH, EVENTS);
      for (; next < end - 1; next++) void publisher.publish(TOPIC, [next, body]);
      await publisher.publish(TOPIC, [next, body], undefined, { acknowledge: true });
      next++;
      // Pace the firehose by the reader, so only the slow subscriber's queue can grow.
      await progress.until(() => received.length >= next, 10_000, `the reader to get event ${next - 1}`);
      if (next % (BATCH * 10) === 0) peakLive = Math.max(peakLive, memory().heap);
      if (midRss === undefined && next >= EVENTS / 2) midRss = memory().rss;
      if (cutOffAt === undefined && slowEnded() !== undefined) cutOffAt = next;
    }
    const afterAll = memory();

    await logged.until(() => slowEnded() !== undefined, 10_000, 'the router to end the slow session');
    const ended = slowEnded()!;
    assert.equal(ended.code, 'queue_full', `the slow session ended with ${JSON.stringify(ended)}`);
    assert.match(ended.reason ?? '', /maxQueuedBytes/);
    assert.ok(cutOffAt !== undefined && cutOffAt < EVENTS, 'the slow session was cut off only after the firehose');
    assert.deepEqual(router.realm('thoth')!.sessions.has(slowSessionId), false, 'the slow session is still in the realm');

    assert.equal(received.length, EVENTS);
    for (let i = 0; i < EVENTS; i++) if (received[i] !== i) assert.fail(`the reader got event ${received[i]} at position ${i}`);

    const published = EVENTS * EVENT_BYTES;
    const report =
      `published ${mib(published)}; slow session cut off after ${cutOffAt} events; ` +
      `heap+buffers ${mib(before.heap)} -> ${mib(afterAll.heap)} (peak ${mib(peakLive)}, sampled after GC every ${BATCH * 10} events); ` +
      `rss ${mib(before.rss)} -> ${mib(midRss!)} at half-way -> ${mib(afterAll.rss)}`;
    t.diagnostic(report);
    // What stays alive after the run, and the most ever held at once, against what went through.
    // The cut-off connection keeps what its socket already held (at most the cap, plus the socket's
    // bookkeeping of each write: about twice the cap measured) for up to its close timeout (5 s),
    // while its ABORT waits behind it for the peer to read: bounded, and gone after the timeout.
    const lingering = 2 * MAX_QUEUED_BYTES;
    assert.ok(afterAll.heap - before.heap < published / 10 + lingering, `JS heap + buffers grew by ${mib(afterAll.heap - before.heap)}: ${report}`);
    assert.ok(peakLive - before.heap < published / 8 + lingering, `JS heap + buffers peaked ${mib(peakLive - before.heap)} above the start: ${report}`);
    // RSS jumps once as V8 and the allocator warm up; the second half of the firehose must not add to it.
    assert.ok(afterAll.rss - midRss! < published / 8, `RSS grew by ${mib(afterAll.rss - midRss!)} over the second half: ${report}`);
  });

  for (const wire of ['rawsocket', 'websocket'] as const) {
    test(`${wire}: the cut-off subscriber learns why once it reads again (ABORT outbound_queue_full${wire === 'websocket' ? ', close 1008' : ''})`, async () => {
      const port = wire === 'rawsocket' ? rawPort : Number(new URL(wsUrl).port);
      const topic = `test.firehose.${wire}`;
      const peer = await FuzzPeer.open(port, wire, 'msgpack');
      peers.push(peer);
      peer.send(peer.frame([C.HELLO, 'thoth', { roles: { subscriber: {} } }]));
      const [welcome] = await peer.messagesAfter(1, 'WELCOME');
      assert.ok(Array.isArray(welcome) && welcome[0] === C.WELCOME, `expected WELCOME, got ${JSON.stringify(welcome)}`);
      const sessionId = welcome[1] as number;
      peer.send(peer.frame([C.SUBSCRIBE, 1, {}, topic]));
      await peer.messagesAfter(2, 'SUBSCRIBED');
      peer.socket.pause();
      const ended = (): LogLine | undefined => logs.find((l) => l.msg === 'session left' && l.session === sessionId);
      // Read again the moment the router gives up on it, well within its close timeout.
      const cutOff = logged.until(() => ended() !== undefined, 60_000, `the router to cut off the ${wire} subscriber`).then(() => peer.socket.resume());

      const publisher = await connect({ url: `tcp://127.0.0.1:${rawPort}`, serializer: 'msgpack', reconnect: false });
      sessions.push(publisher);
      const body = 'x'.repeat(EVENT_BYTES);
      for (let next = 0; ended() === undefined && next < 10 * EVENTS;) {
        for (let i = 0; i < BATCH - 1; i++) void publisher.publish(topic, [next++, body]);
        await publisher.publish(topic, [next++, body], undefined, { acknowledge: true });
      }
      await cutOff;
      assert.equal(ended()?.code, 'queue_full');

      await peer.waitForClose(`the router to end the ${wire} stream after its ABORT`, 10_000);
      assert.deepEqual(peer.garbled, []);
      const last = peer.messages.at(-1);
      assert.ok(Array.isArray(last) && last[0] === C.ABORT, `the last message was ${JSON.stringify(last)?.slice(0, 80)}, after ${peer.messages.length - 1} others`);
      assert.equal(last[2], ErrorUri.outboundQueueFull);
      assert.match(String((last[1] as { message?: unknown }).message), /over the cap of 1048576 bytes \(limits\.maxQueuedBytes\)/);
      assert.ok(peer.messages.slice(2, -1).every((m) => Array.isArray(m) && m[0] === C.EVENT), 'only whole EVENTs between SUBSCRIBED and the ABORT');
      if (wire === 'websocket') {
        assert.equal(peer.wsClose?.code, 1008);
        assert.match(peer.wsClose?.reason ?? '', /^outbound queue over 1048576 bytes \(limits\.maxQueuedBytes\)/);
      }
    });
  }
});
