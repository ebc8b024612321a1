import { connect, type Session } from '../../../src/client/index.js';
import type { Serializer } from '../fixtures/config.js';
import { within } from './deadline.js';

/** SDK sessions opened by a test, closed together at the end whatever happened. */
export class SessionPool {
  private readonly open = new Set<Session>();

  /** A session on realm thoth without reconnect, so a lost router shows as a failure, not a retry. */
  async connect(url: string, serializer?: Serializer): Promise<Session> {
    const session = await within(
      connect({ url, serializer, realm: 'thoth', reconnect: false, connectTimeoutMs: 5_000, closeTimeoutMs: 1_000 }),
      10_000,
      `an SDK session to ${url}`,
    );
    this.open.add(session);
    session.on('close', () => this.open.delete(session));
    return session;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((session) => session.close()));
  }
}
