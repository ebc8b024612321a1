import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError, connect, type SessionEvents } from '../../src/client/index.js';
import { FakeClock } from './fake-clock.js';
import { FakeNetwork, type FakeRouter } from './fake-router.js';
import { roundTrip } from './harness.js';

const reconnect = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };

async function setUp(options: { maxAttempts?: number; random?: () => number } = {}) {
  const clock = new FakeClock();
  const net = new FakeNetwork();
  const session = await connect({
    url: 'ws://fake.test/ws', clock, connectTransport: net.connect,
    reconnect: { ...reconnect, ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }) },
    random: options.random ?? (() => 0),
  });
  const router = await net.router(0);
  await router.expect('HELLO');
  return { clock, net, session, router };
}

async function answerRegister(router: FakeRouter, registrationId: number) {
  const register = await router.expect('REGISTER');
  router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId });
  return register;
}

async function answerSubscribe(router: FakeRouter, subscriptionId: number) {
  const subscribe = await router.expect('SUBSCRIBE');
  router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscriptionId });
  return subscribe;
}

describe('reconnect', () => {
  it('a drop rejects pending calls at once with disconnected, then reconnects after the backoff delay', async () => {
    const { clock, net, session, router } = await setUp({ random: () => 0.5 });
    const pending = session.call('slow.op');
    await router.expect('CALL');
    const disconnected = session.once('disconnect');
    const reconnecting = session.once('reconnecting');
    router.drop();
    await assert.rejects(pending, (error: unknown) =>
      error instanceof ClientError && error.code === 'disconnected' && error.uri === 'thoth.error.disconnected' && error.retryable);
    const event = await disconnected;
    assert.equal(event.willReconnect, true);
    const scheduled = await reconnecting;
    assert.deepEqual([scheduled.attempt, scheduled.delayMs], [1, 75]);
    assert.ok(scheduled.lastError instanceof ClientError && scheduled.lastError.code === 'disconnected');
    assert.equal(session.state, 'reconnecting');
    await assert.rejects(session.call('a.b'), (error: unknown) => error instanceof ClientError && error.code === 'not_connected');

    clock.advance(74);
    assert.equal(net.urls.length, 1);
    const reconnected = session.once('reconnect');
    clock.advance(1);
    const second = await net.router(1);
    await second.expect('HELLO');
    const done = await reconnected;
    assert.equal(done.sessionId, second.sessionId);
    assert.equal(session.id, second.sessionId);
    assert.equal(session.state, 'established');

    const call = session.call('after.reconnect');
    const message = await second.expect('CALL');
    assert.equal(message.requestId, 1, 'request ids start again in the new WAMP session');
    second.send({ type: 'RESULT', requestId: message.requestId, details: {}, args: ['ok'] });
    assert.equal((await call).value, 'ok');
    await session.close();
  });

  it('re-registers and re-subscribes; Registration and Subscription objects stay valid with new ids', async () => {
    const { clock, net, session, router } = await setUp();
    const events: unknown[] = [];
    const registering = session.register('media.play', () => 'played');
    await answerRegister(router, 10);
    const registration = await registering;
    const subscribing = session.subscribe('mesh.', (args) => { events.push(args[0]); }, { match: 'prefix' });
    await answerSubscribe(router, 20);
    const subscription = await subscribing;

    router.drop();
    await session.once('reconnecting');
    const reconnected = session.once('reconnect');
    clock.advance(100);
    const second = await net.router(1);
    await second.expect('HELLO');
    const restored: string[] = [];
    for (let i = 0; i < 2; i++) {
      const message = await second.next();
      if (message.type === 'REGISTER') {
        restored.push(`register ${message.procedure}`);
        second.send({ type: 'REGISTERED', requestId: message.requestId, registrationId: 11 });
      } else if (message.type === 'SUBSCRIBE') {
        restored.push(`subscribe ${message.topic} ${String(message.options['match'])}`);
        second.send({ type: 'SUBSCRIBED', requestId: message.requestId, subscriptionId: 21 });
      } else {
        assert.fail(`unexpected ${message.type}`);
      }
    }
    assert.deepEqual(restored.sort(), ['register media.play', 'subscribe mesh. prefix']);
    await reconnected;
    assert.equal(registration.id, 11);
    assert.equal(registration.active, true);
    assert.equal(subscription.id, 21);

    second.send({ type: 'INVOCATION', requestId: 1, registrationId: 11, details: {}, args: [] });
    const y = await second.expect('YIELD');
    assert.deepEqual(y.args, ['played']);
    second.send({ type: 'EVENT', subscriptionId: 21, publicationId: 1, details: {}, args: ['after'] });
    second.send({ type: 'INVOCATION', requestId: 2, registrationId: 11, details: {}, args: [] });
    await second.expect('YIELD');
    assert.deepEqual(events, ['after']);

    const unregistering = registration.unregister();
    const unregister = await second.expect('UNREGISTER');
    assert.equal(unregister.registrationId, 11);
    second.send({ type: 'UNREGISTERED', requestId: unregister.requestId });
    await unregistering;
    await session.close();
  });

  it('a registration that cannot be restored is reported and becomes inactive', async () => {
    const { clock, net, session, router } = await setUp();
    const registering = session.register('a.b', () => 1);
    await answerRegister(router, 10);
    const registration = await registering;
    router.drop();
    await session.once('reconnecting');
    const failed = session.once('restoreFailed');
    clock.advance(100);
    const second = await net.router(1);
    await second.expect('HELLO');
    const register = await second.expect('REGISTER');
    second.send({ type: 'ERROR', requestType: 64, requestId: register.requestId, details: {}, error: 'wamp.error.procedure_already_exists' });
    const event = await failed;
    assert.equal(event.kind, 'registration');
    assert.equal(event.uri, 'a.b');
    assert.equal(registration.active, false);
    await session.close();
  });

  it('failed attempts back off exponentially up to the cap', async () => {
    const { clock, net, session, router } = await setUp();
    const delays: number[] = [];
    session.on('reconnecting', (event) => delays.push(event.delayMs));
    net.refuse = 5;
    router.drop();
    for (let attempt = 1; attempt <= 6; attempt++) {
      await new Promise<void>((resolve) => {
        if (delays.length >= attempt) resolve();
        else { const off = session.on('reconnecting', () => { off(); resolve(); }); }
      });
      clock.advance(delays[attempt - 1]!);
      await net.attempts(attempt + 1);
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    const second = await net.router(1);
    await second.expect('HELLO');
    await session.close();
  });

  it('gives up after maxAttempts: close event with reconnect_failed; later use rejects closed', async () => {
    const { clock, net, session, router } = await setUp({ maxAttempts: 2 });
    net.refuse = 10;
    const closed = session.once('close');
    router.drop();
    await session.once('reconnecting');
    clock.advance(100);
    await net.attempts(2);
    await session.once('reconnecting');
    clock.advance(200);
    const event: SessionEvents['close'] = await closed;
    assert.ok(event.error instanceof ClientError && event.error.code === 'reconnect_failed');
    assert.equal(session.state, 'closed');
    await assert.rejects(session.call('a.b'), (error: unknown) => error instanceof ClientError && error.code === 'closed');
    await session.close();
  });

  it('reconnect: false ends the session on a drop', async () => {
    const net = new FakeNetwork();
    const session = await connect({ url: 'ws://fake.test/ws', reconnect: false, connectTransport: net.connect });
    const router = await net.router(0);
    const registering = session.register('a.b', () => 1);
    await router.expect('HELLO');
    await answerRegister(router, 1);
    const registration = await registering;
    const disconnect = session.once('disconnect');
    const closed = session.once('close');
    router.drop();
    assert.equal((await disconnect).willReconnect, false);
    const event = await closed;
    assert.ok(event.error instanceof ClientError && event.error.code === 'disconnected');
    assert.equal(registration.active, false);
    assert.equal(session.state, 'closed');
    await assert.rejects(session.subscribe('a.b', () => {}), (error: unknown) => error instanceof ClientError && error.code === 'closed');
    assert.equal(net.urls.length, 1);
  });

  it('close() while waiting to reconnect stops reconnecting', async () => {
    const { clock, net, session, router } = await setUp();
    router.drop();
    await session.once('reconnecting');
    await session.close();
    assert.equal(session.state, 'closed');
    assert.deepEqual(clock.pendingDelays(), []);
    clock.advance(10_000);
    assert.equal(net.urls.length, 1);
  });

  it('a running handler is aborted on disconnect and its answer is not sent anywhere', async () => {
    const { clock, net, session, router } = await setUp();
    let reason: unknown;
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let started!: () => void;
    const running = new Promise<void>((resolve) => { started = resolve; });
    const registering = session.register('a.slow', async (_a, _k, details) => {
      details.signal.addEventListener('abort', () => { reason = details.signal.reason; });
      started();
      await released;
      return 'late';
    });
    await answerRegister(router, 10);
    await registering;
    router.send({ type: 'INVOCATION', requestId: 1, registrationId: 10, details: {} });
    await running;
    router.drop();
    await session.once('reconnecting');
    assert.ok(reason instanceof ClientError && reason.code === 'disconnected');
    const reconnected = session.once('reconnect');
    clock.advance(100);
    const second = await net.router(1);
    await second.expect('HELLO');
    await answerRegister(second, 11);
    await reconnected;
    release();
    second.send({ type: 'INVOCATION', requestId: 2, registrationId: 11, details: {} });
    const y = await second.expect('YIELD');
    assert.equal(y.requestId, 2);
    await roundTrip(session, second);
    assert.deepEqual(second.unread(), [], 'the dropped invocation sent nothing');
    await session.close();
  });
});
