import type { SerializerName } from '../codec/index.js';
import { BaseConnection } from './base-connection.js';
import type { Connection, ConnectionLimits } from './connection.js';
import { resolveLimits } from './limits.js';

/**
 * One end of an in-process pair. Messages still go through encodeMessage, the
 * serializer and parseMessage, and are delivered in batches on a later event-loop
 * turn, like a socket would. Until the other end is attached its input stays in
 * our outbound queue, so a peer that never attaches trips the queued-bytes cap.
 */
class MemoryConnection extends BaseConnection {
  readonly transport = 'memory';
  peer!: MemoryConnection;
  private ending = false;
  private peerReason = '';

  protected writeBatch(batch: Buffer[]): void {
    for (const payload of batch) this.peer.receive(payload);
  }

  protected override canWrite(): boolean {
    return this.peer.attached && !this.peer.closed;
  }

  protected override afterFlush(): void {
    if (this.ending && !this.hasPending) this.finish();
  }

  protected override afterAttach(): void {
    this.peer.requestFlush();
  }

  /** Never deliver inside the owner's close() call: the batch goes out on the next turn. */
  protected override flushBeforeClose(): void {
    this.requestFlush();
  }

  protected endTransport(reason: string): void {
    this.ending = true;
    this.peerReason = `the peer closed the connection: ${reason}`;
    // Waits for the peer to take what is queued (it may not be attached yet).
    if (!this.hasPending) this.finish();
  }

  protected destroyTransport(): void {
    this.peerReason = 'the peer destroyed the connection';
    this.finish();
  }

  protected transportQueuedBytes(): number {
    return 0;
  }

  protected pauseInput(): void {}
  protected resumeInput(): void {}

  /** Both ends learn of the close on a later turn, after anything already delivered. */
  private finish(): void {
    this.ending = false;
    const peerReason = this.peerReason;
    setImmediate(() => {
      // Our own close info was set by close()/destroy()/fail(); this fallback is not used.
      this.transportEnded({ code: 'closed', reason: 'closed' });
      this.peer.transportEnded({ code: 'closed', reason: peerReason });
    });
  }
}

/**
 * Two connected in-process Connections, for tests and the router's internal sessions.
 * Both ends use the same serializer and limits.
 */
export function createMemoryPair(serializer: SerializerName, limits?: Partial<ConnectionLimits>): [Connection, Connection] {
  const resolved = resolveLimits('createMemoryPair', limits);
  const setup = { serializer, limits: resolved, remoteAddress: 'memory', isLocal: true, maxSendBytes: resolved.maxMessageBytes };
  const a = new MemoryConnection(setup);
  const b = new MemoryConnection(setup);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
