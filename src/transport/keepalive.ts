/**
 * Sends a PING every `intervalMs`; when the previous one is still unanswered at the
 * next tick, reports a timeout. Used by RawSocket (PING/PONG frames) and WebSocket
 * (ping/pong control frames).
 */
export class Keepalive {
  private readonly timer: NodeJS.Timeout;
  private awaiting: Buffer | undefined;
  private counter = 0;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly sendPing: (payload: Buffer) => void,
    private readonly onTimeout: (reason: string) => void,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** A PONG arrived; only the one echoing our last PING counts. */
  pong(payload: Uint8Array): void {
    if (this.awaiting !== undefined && this.awaiting.equals(payload)) this.awaiting = undefined;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.awaiting !== undefined) {
      this.stop();
      this.onTimeout(`no PONG within ${this.intervalMs} ms of a PING`);
      return;
    }
    const payload = Buffer.alloc(4);
    this.counter = (this.counter + 1) >>> 0;
    payload.writeUInt32BE(this.counter);
    this.awaiting = payload;
    this.sendPing(payload);
  }
}
