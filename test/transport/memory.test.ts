import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../../src/protocol/messages.js';
import { createMemoryPair } from '../../src/transport/index.js';
import { attach, turn } from './helpers.js';

const hello: Message = { type: 'HELLO', realm: 'thoth.test', details: {} };

describe('memory pair', { timeout: 5_000 }, () => {
  it('delivers on a later turn, never inside send()', async () => {
    const [a, b] = createMemoryPair('json');
    const rb = attach(b);
    attach(a);
    a.send(hello);
    assert.deepEqual(rb.messages, []);
    assert.ok(a.queuedBytes > 0);
    assert.deepEqual(await rb.messageCount(1), [hello]);
    assert.equal(a.queuedBytes, 0);
    a.destroy();
  });

  it('holds messages until the receiving end is attached, then delivers them in order', async () => {
    const [a, b] = createMemoryPair('msgpack');
    attach(a);
    a.send(hello);
    a.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' });
    await turn();
    await turn();
    const rb = attach(b);
    assert.deepEqual(rb.messages, [], 'delivered after attach() returns');
    const got = await rb.messageCount(2);
    assert.deepEqual(got.map((m) => m.type), ['HELLO', 'GOODBYE']);
    a.destroy();
  });

  it('close() before the peer attaches still delivers what was queued, then the close', async () => {
    const [a, b] = createMemoryPair('json');
    const ra = attach(a);
    a.send(hello);
    a.close('done');
    await turn();
    const rb = attach(b);
    const info = await rb.closedInfo();
    assert.deepEqual(rb.messages, [hello]);
    assert.equal(info.code, 'closed');
    assert.match(info.reason, /done/);
    assert.equal((await ra.closedInfo()).reason, 'done');
  });

  it('passes bytes through the real codec and parser: bad messages arrive as violations', async () => {
    const [a, b] = createMemoryPair('json');
    const rb = attach(b);
    attach(a);
    a.send({ type: 'CALL', requestId: 7, options: {}, procedure: 'not a uri!' });
    a.send({ type: 'HELLO', realm: 'thoth.test', details: 'not a dict' as unknown as Record<string, unknown> });
    await rb.until(() => rb.violations.length >= 2);
    assert.deepEqual(rb.messages, []);
    // A request whose only fault is its URI carries what the spec's ERROR answer needs.
    assert.deepEqual(rb.violations[0]!.answer, { requestType: 48, requestId: 7, error: 'wamp.error.invalid_uri' });
    assert.equal(rb.violations[1]!.answer, undefined);
    a.destroy();
  });

  it('send() of a message the serializer cannot encode returns false and keeps the connection', async () => {
    const [a, b] = createMemoryPair('json');
    const rb = attach(b);
    attach(a);
    assert.equal(a.send({ type: 'CALL', requestId: 1, options: {}, procedure: 'com.example.x', args: [10n] }), false);
    assert.equal(a.closed, false);
    assert.equal(a.send(hello), true);
    assert.deepEqual(await rb.messageCount(1), [hello]);
    a.destroy();
  });

  it('a handler that throws ends its own connection only, with the error', async () => {
    const [a, b] = createMemoryPair('json');
    const boom = new Error('handler bug');
    const ra = attach(a);
    let closedInfo: unknown;
    b.attach({
      message: () => {
        throw boom;
      },
      violation: () => {},
      closed: (info) => (closedInfo = info),
    });
    a.send(hello);
    const info = await ra.closedInfo();
    assert.equal(info.code, 'closed');
    await turn();
    assert.deepEqual(closedInfo, { code: 'closed', reason: 'handler bug', error: boom });
  });

  it('closes with queue_full when the receiving end never attaches', async () => {
    const [a] = createMemoryPair('msgpack', { maxQueuedBytes: 10_000 });
    const ra = attach(a);
    let sent = 0;
    while (a.send({ type: 'PUBLISH', requestId: ++sent, options: {}, topic: 'com.example.t', args: ['x'.repeat(1000)] })) {
      assert.ok(a.queuedBytes <= 10_000);
      assert.ok(sent < 100, 'never refused');
    }
    const info = await ra.closedInfo();
    assert.equal(info.code, 'queue_full');
    assert.match(info.reason, /cap of 10000 bytes/);
  });
});
