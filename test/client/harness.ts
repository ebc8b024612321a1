import { connect, type ConnectOptions, type Session } from '../../src/client/index.js';
import { FakeNetwork, type FakeRouter } from './fake-router.js';

export interface Harness {
  session: Session;
  net: FakeNetwork;
  router: FakeRouter;
}

/** A session connected to a fake router, its HELLO already read. */
export async function open(options: Partial<ConnectOptions> = {}): Promise<Harness> {
  const net = new FakeNetwork();
  const session = await connect({ url: 'ws://fake.test/ws', reconnect: false, connectTransport: net.connect, ...options });
  const router = await net.router(0);
  await router.expect('HELLO');
  return { session, net, router };
}

/** Let queued memory-pair deliveries (setImmediate batches) happen. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A CALL round trip: everything the router sent before it has been handled by the session. */
export async function roundTrip(session: Session, router: FakeRouter): Promise<void> {
  const pending = session.call('test.sync');
  const call = await router.expect('CALL');
  router.send({ type: 'RESULT', requestId: call.requestId, details: {} });
  await pending;
}
