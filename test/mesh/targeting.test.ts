import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import type { TestPeer } from '../router/harness.js';
import { newRouter, join } from '../router/harness.js';
import { addDevice, addProvider, invoke, joinRouter, meshRouter } from './harness.js';

/** Answer every INVOCATION a provider gets with its own tag, for `count` calls. */
async function serve(provider: TestPeer, tag: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const inv = await provider.next('INVOCATION');
    provider.send({ type: 'YIELD', requestId: inv.requestId, options: {}, args: [tag] });
  }
}

describe('device-targeted routing', () => {
  test('_device (by name or id) sends every call to that device and no other', async () => {
    const { router } = meshRouter();
    const living = await addDevice(router, 'dev-living', 'livingroom', { room: 'living' });
    const kitchen = await addDevice(router, 'dev-kitchen', 'kitchen', { room: 'kitchen' });
    const a = await addProvider(router, living.id, 'speaker', ['media.play']);
    const b = await addProvider(router, kitchen.id, 'speaker', ['media.play']);
    const caller = await joinRouter(router);
    const serving = serve(a.peer, 'living', 40);
    for (let i = 0; i < 20; i++) assert.equal(await invoke(caller, 'media.play', [], {}, { _device: 'livingroom' }), 'living');
    for (let i = 0; i < 20; i++) assert.equal(await invoke(caller, 'media.play', [], {}, { _device: 'dev-living' }), 'living');
    await serving;
    assert.equal(b.peer.connection.pending().length, 0, 'the kitchen got none of them');
    await router.close();
  });

  test('_select matches the modality kind and device tags', async () => {
    const { router } = meshRouter();
    const living = await addDevice(router, 'dev-living', 'livingroom', { room: 'living' });
    const kitchen = await addDevice(router, 'dev-kitchen', 'kitchen', { room: 'kitchen' });
    const speaker = await addProvider(router, living.id, 'speaker', ['thing.do']);
    const screen = await addProvider(router, kitchen.id, 'screen', ['thing.do']);
    const caller = await joinRouter(router);
    const s1 = serve(speaker.peer, 'speaker', 1);
    assert.equal(await invoke(caller, 'thing.do', [], {}, { _select: { kind: 'speaker' } }), 'speaker');
    await s1;
    const s2 = serve(screen.peer, 'screen', 1);
    assert.equal(await invoke(caller, 'thing.do', [], {}, { _select: { room: 'kitchen' } }), 'screen');
    await s2;
    await assert.rejects(invoke(caller, 'thing.do', [], {}, { _select: { kind: 'speaker', room: 'kitchen' } }), (e: Error & { uri: string }) => e.uri === ErrorUri.noMatchingDevice && /kind=speaker,room=kitchen/.test(e.message));
    await router.close();
  });

  test('an unknown or offline device, and a bad option, are clear errors at once', async () => {
    const { router } = meshRouter();
    const d = await addDevice(router, 'dev-xxxx', 'gone-soon');
    await addProvider(router, d.id, 'speaker', ['media.play']);
    const other = await addDevice(router, 'dev-zzzz', 'stays');
    await addProvider(router, other.id, 'speaker', ['media.play']);
    const caller = await joinRouter(router);
    await assert.rejects(invoke(caller, 'media.play', [], {}, { _device: 'atlantis' }), (e: Error & { uri: string }) => e.uri === ErrorUri.noSuchDevice && /atlantis/.test(e.message));
    await assert.rejects(invoke(caller, 'media.play', [], {}, { _device: 42 }), (e: Error & { uri: string }) => e.uri === ErrorUri.invalidArgument && /_device/.test(e.message));
    await assert.rejects(invoke(caller, 'media.play', [], {}, { _select: 'speaker' }), (e: Error & { uri: string }) => e.uri === ErrorUri.invalidArgument && /_select/.test(e.message));
    d.agent.connection.drop();
    await assert.rejects(invoke(caller, 'media.play', [], {}, { _device: 'gone-soon' }), (e: Error & { uri: string }) => e.uri === ErrorUri.noSuchDevice && /offline/.test(e.message));
    await router.close();
  });

  test('an app registration outside any device is never picked by a targeted call', async () => {
    const { router } = meshRouter();
    const app = await joinRouter(router);
    await app.register('com.example.p', { invoke: 'roundrobin' });
    await addDevice(router, 'dev-yyyy', 'box');
    const caller = await joinRouter(router);
    await assert.rejects(invoke(caller, 'com.example.p', [], {}, { _device: 'box' }), (e: Error & { uri: string }) => e.uri === ErrorUri.noMatchingDevice);
    await router.close();
  });

  test('without a registry, a targeted call is refused, not routed anywhere', async () => {
    const router = newRouter();
    const app = await join(router);
    await app.register('com.example.p');
    const caller = await join(router);
    const reply = await caller.callAndWait('com.example.p', [], { _device: 'box' });
    assert.equal(reply.type === 'ERROR' && reply.error, ErrorUri.noSuchDevice);
    await router.close();
  });
});

describe('drain', () => {
  test('a draining modality gets no new calls (they go to the other callee); its call in flight finishes', async () => {
    const { router } = meshRouter();
    const one = await addDevice(router, 'dev-one1', 'one');
    const two = await addDevice(router, 'dev-two2', 'two');
    const a = await addProvider(router, one.id, 'worker', ['job.run']);
    const b = await addProvider(router, two.id, 'worker', ['job.run']);
    const caller = await joinRouter(router);
    const first = caller.call('job.run', [], { _device: 'one' });
    const running = await a.peer.next('INVOCATION');
    const drained = invoke(one.agent, 'thoth.drain', [], { modality: a.modality, deadline_ms: 5000 });
    for (let i = 0; i < 3; i++) {
      const id = caller.call('job.run');
      const inv = await b.peer.next('INVOCATION');
      b.peer.send({ type: 'YIELD', requestId: inv.requestId, options: {} });
      assert.equal((await caller.next('RESULT')).requestId, id);
    }
    a.peer.send({ type: 'YIELD', requestId: running.requestId, options: {}, args: ['done'] });
    assert.equal((await caller.next('RESULT')).requestId, first);
    assert.deepEqual(await drained, { finished: 1, failed: 0 });
    await router.close();
  });

  test('calls still running at the deadline fail with drain_deadline; a lone draining callee refuses new calls', async () => {
    const { router } = meshRouter();
    const one = await addDevice(router, 'dev-one1', 'one');
    const a = await addProvider(router, one.id, 'worker', ['job.run']);
    const caller = await joinRouter(router);
    caller.call('job.run');
    await a.peer.next('INVOCATION');
    const drained = invoke(one.agent, 'thoth.drain', [], { modality: a.modality, deadline_ms: 30 });
    const refused = await caller.callAndWait('job.run');
    assert.equal(refused.type === 'ERROR' && refused.error, ErrorUri.draining);
    assert.equal((await caller.next('ERROR')).error, ErrorUri.drainDeadline);
    assert.deepEqual(await drained, { finished: 0, failed: 1 });
    assert.equal((await a.peer.next('INTERRUPT')).options['reason'], ErrorUri.drainDeadline);
    await router.close();
  });

  test('an app drains itself: nothing in flight returns at once', async () => {
    const { router } = meshRouter();
    const app = await joinRouter(router);
    await app.register('com.example.p');
    assert.deepEqual(await invoke(app, 'thoth.drain', [], {}), { finished: 0, failed: 0 });
    const caller = await joinRouter(router);
    const reply = await caller.callAndWait('com.example.p');
    assert.equal(reply.type === 'ERROR' && reply.error, ErrorUri.draining);
    await router.close();
  });
});

test('targeted calls do not disturb the round robin of plain calls', async () => {
  const { router } = meshRouter();
  const one = await addDevice(router, 'dev-rr01', 'one');
  const two = await addDevice(router, 'dev-rr02', 'two');
  const a = await addProvider(router, one.id, 'worker', ['job.run']);
  const b = await addProvider(router, two.id, 'worker', ['job.run']);
  const caller = await joinRouter(router);
  const answer = (peer: typeof a.peer, tag: string): Promise<void> =>
    peer.next('INVOCATION').then((inv) => peer.send({ type: 'YIELD', requestId: inv.requestId, options: {}, args: [tag] }));
  const order: unknown[] = [];
  for (let i = 0; i < 4; i++) {
    // A targeted call to "two" between every plain call.
    const targeted = invoke(caller, 'job.run', [], {}, { _device: 'two' });
    await answer(b.peer, 'two');
    await targeted;
    const plain = invoke(caller, 'job.run');
    // Delivery is synchronous: the INVOCATION already waits in one of the two inboxes.
    const [peer, tag] = a.peer.connection.pending().some((m) => m.type === 'INVOCATION') ? [a.peer, 'one'] : [b.peer, 'two'];
    await answer(peer, tag);
    order.push(await plain);
  }
  assert.deepEqual(order, ['one', 'two', 'one', 'two']);
  await router.close();
});

test('a drain ends at once when the draining provider dies mid-call, without waiting for its deadline', async () => {
  const { router } = meshRouter();
  const one = await addDevice(router, 'dev-dd01', 'one');
  const a = await addProvider(router, one.id, 'worker', ['job.run']);
  const caller = await joinRouter(router);
  caller.call('job.run');
  await a.peer.next('INVOCATION');
  const drained = invoke(one.agent, 'thoth.drain', [], { modality: a.modality, deadline_ms: 600_000 });
  a.peer.connection.drop();
  assert.equal((await caller.next('ERROR')).error, ErrorUri.calleeGone);
  assert.deepEqual(await drained, { finished: 1, failed: 0 });
  await router.close();
});
