import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError, connect } from '../../src/client/index.js';
import { FakeClock } from './fake-clock.js';
import { FakeNetwork } from './fake-router.js';
import { open } from './harness.js';

function isClosedError(error: unknown): boolean {
  return error instanceof ClientError && error.code === 'closed' && error.uri === 'thoth.error.session_closed';
}

describe('close', () => {
  it('says GOODBYE, waits for the answer, closes the connection', async () => {
    const { session, router } = await open();
    const closed = session.once('close');
    await session.close();
    const goodbye = await router.expect('GOODBYE');
    assert.equal(goodbye.reason, 'wamp.close.close_realm');
    await router.closed;
    assert.equal(session.state, 'closed');
    assert.deepEqual(await closed, { reason: 'wamp.close.close_realm', error: undefined });
  });

  it('is idempotent: three calls, one GOODBYE, one close event', async () => {
    const { session, router } = await open();
    let closeEvents = 0;
    session.on('close', () => { closeEvents++; });
    await Promise.all([session.close(), session.close('wamp.close.normal')]);
    await session.close();
    await router.closed;
    assert.deepEqual(router.received.filter((m) => m.type === 'GOODBYE').length, 1);
    assert.equal(closeEvents, 1);
  });

  it('every use after close rejects with ClientError closed', async () => {
    const { session, router } = await open();
    const registering = session.register('a.b', () => 1);
    const register = await router.expect('REGISTER');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId: 1 });
    const registration = await registering;
    const subscribing = session.subscribe('a.b', () => {});
    const subscribe = await router.expect('SUBSCRIBE');
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscriptionId: 2 });
    const subscription = await subscribing;
    await session.close();
    await session.close();
    await session.close();
    await assert.rejects(session.call('a.b'), isClosedError);
    await assert.rejects(session.register('a.c', () => 1), isClosedError);
    await assert.rejects(session.subscribe('a.c', () => {}), isClosedError);
    await assert.rejects(session.publish('a.c'), isClosedError);
    await assert.rejects(registration.unregister(), isClosedError);
    await assert.rejects(subscription.unsubscribe(), isClosedError);
    const stream = session.callProgressive('a.b');
    await assert.rejects(stream.next(), isClosedError);
    assert.equal(registration.active, false);
    assert.equal(subscription.active, false);
  });

  it('pending calls reject closed; running handlers are aborted and answer nothing', async () => {
    const { session, router } = await open();
    let abortReason: unknown;
    let started!: () => void;
    const running = new Promise<void>((resolve) => { started = resolve; });
    const registering = session.register('a.slow', (_a, _k, details) => new Promise((resolve) => {
      details.signal.addEventListener('abort', () => { abortReason = details.signal.reason; resolve('late'); });
      started();
    }));
    const register = await router.expect('REGISTER');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId: 1 });
    await registering;
    const pending = session.call('x.y');
    await router.expect('CALL');
    router.send({ type: 'INVOCATION', requestId: 5, registrationId: 1, details: {} });
    await running;
    const closing = session.close();
    await assert.rejects(pending, isClosedError);
    await closing;
    assert.ok(isClosedError(abortReason));
    assert.deepEqual(router.unread().map((m) => m.type), ['GOODBYE'], 'no YIELD for the aborted invocation');
  });

  it('without an answer to GOODBYE the connection is dropped after closeTimeoutMs', async () => {
    const clock = new FakeClock();
    const net = new FakeNetwork({ goodbye: false });
    const session = await connect({ url: 'ws://fake.test/ws', reconnect: false, connectTransport: net.connect, clock, closeTimeoutMs: 500 });
    const router = await net.router(0);
    let done = false;
    const closing = session.close().then(() => { done = true; });
    await router.expect('HELLO');
    await router.expect('GOODBYE');
    assert.equal(done, false);
    clock.advance(500);
    await closing;
    await router.closed;
    assert.equal(session.state, 'closed');
  });

  it("the router's GOODBYE is answered with goodbye_and_out, then it counts as a disconnect", async () => {
    const { session, router } = await open();
    const disconnect = session.once('disconnect');
    router.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.system_shutdown' });
    const answer = await router.expect('GOODBYE');
    assert.equal(answer.reason, 'wamp.close.goodbye_and_out');
    const event = await disconnect;
    assert.deepEqual([event.reason, event.by], ['wamp.close.system_shutdown', 'router']);
    assert.equal(session.state, 'closed');
  });
});

describe('destroy', () => {
  it('drops the connection at once without GOODBYE; idempotent; use afterwards rejects closed', async () => {
    const { session, router } = await open();
    const pending = session.call('a.b');
    await router.expect('CALL');
    const closed = session.once('close');
    session.destroy();
    session.destroy();
    await assert.rejects(pending, isClosedError);
    assert.equal((await closed).reason, 'destroyed');
    await router.closed;
    assert.deepEqual(router.unread(), []);
    await session.close();
    await assert.rejects(session.call('a.b'), isClosedError);
  });

  it('cuts short a close() waiting for GOODBYE', async () => {
    const net = new FakeNetwork({ goodbye: false });
    const session = await connect({ url: 'ws://fake.test/ws', reconnect: false, connectTransport: net.connect });
    const router = await net.router(0);
    let closeEvents = 0;
    session.on('close', () => { closeEvents++; });
    const closing = session.close();
    await router.expect('HELLO');
    await router.expect('GOODBYE');
    session.destroy();
    await closing;
    assert.equal(session.state, 'closed');
    assert.equal(closeEvents, 1);
  });
});

describe('protocol violations by the router', () => {
  it('a message only a router may receive ends the session with ABORT', async () => {
    const { session, router } = await open();
    const pending = session.call('a.b');
    await router.expect('CALL');
    const disconnect = session.once('disconnect');
    router.send({ type: 'CALL', requestId: 1, options: {}, procedure: 'x.y' });
    const abort = await router.expect('ABORT');
    assert.equal(abort.reason, 'wamp.error.protocol_violation');
    await assert.rejects(pending, (error: unknown) => error instanceof ClientError && error.code === 'disconnected');
    const event = await disconnect;
    assert.equal(event.reason, 'wamp.error.protocol_violation');
    assert.ok(event.error instanceof ClientError && event.error.code === 'protocol_violation');
    await router.closed;
  });

  it('bytes that do not parse end the session with ABORT', async () => {
    const { session, router } = await open();
    const disconnect = session.once('disconnect');
    // A RESULT with a request id of 0 fails parsing on the client side.
    router.connection.send({ type: 'RESULT', requestId: 0, details: {} });
    const abort = await router.expect('ABORT');
    assert.equal(abort.reason, 'wamp.error.protocol_violation');
    assert.equal((await disconnect).reason, 'wamp.error.protocol_violation');
  });
});
