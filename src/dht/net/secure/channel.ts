import type { Socket } from 'node:net';
import { z } from 'zod';
import { msgpackSerializer } from '../../../codec/msgpack.js';
import { encodeFrame, frameBytes, RawFrameReader } from '../framing.js';
import { CertificateError, CLOCK_SKEW_MS, MAX_CERTIFICATE_CHARS, type Membership } from './certificate.js';
import { FrameOpener, FrameSealer } from './cipher.js';
import type { CredentialsEvent, OverlayCredentials } from './credentials.js';
import { authSchema, ClientHandshake, HandshakeError, helloSchema, readySchema, ServerHandshake, welcomeSchema, type Authenticated } from './handshake.js';

export interface ChannelHandlers {
  /** One decoded frame of the node protocol (req, res or err), not yet validated. */
  frame(value: unknown): void;
  /** The channel ended (called once): why, for the peer's pending requests and logs. */
  close(reason: string): void;
}

export interface ChannelOptions {
  readonly role: 'client' | 'server';
  /** Absent: an open overlay, frames in the clear and nobody authenticated. */
  readonly security?: OverlayCredentials | undefined;
  /** A handshake not done by then ends the connection (default 5000 ms). */
  readonly handshakeTimeoutMs?: number;
}

const refuseSchema = z.object({ t: z.literal('refuse'), reason: z.string().max(500) });
const renewSchema = z.strictObject({ t: z.literal('renew'), cert: z.string().min(1).max(MAX_CERTIFICATE_CHARS) });

type Phase = 'hello' | 'welcome' | 'auth' | 'ready' | 'open' | 'closed';

/**
 * One TCP connection between two nodes, as the node protocol sees it: `send` values, get
 * `frame` values. With credentials it first runs the handshake (src/dht/net/secure/handshake.ts)
 * and from then on seals every frame; what is sent before the handshake ends waits for it.
 * A peer that fails the handshake, or a frame that fails to open, ends the connection;
 * the refused side is told why in a `refuse` frame.
 */
export class PeerChannel {
  private readonly reader = new RawFrameReader();
  private readonly security: OverlayCredentials | undefined;
  private phase: Phase;
  private readonly waiting: unknown[] = [];
  private client: ClientHandshake | undefined;
  private server: ServerHandshake | undefined;
  private sealer: FrameSealer | undefined;
  private opener: FrameOpener | undefined;
  private authenticated: Membership | undefined;
  private pendingResult: Authenticated | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private readonly offCredentials: (() => void) | undefined;

  constructor(private readonly socket: Socket, private readonly options: ChannelOptions, private readonly handlers: ChannelHandlers) {
    this.security = options.security;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.end(error.message));
    socket.on('close', () => this.end('connection closed'));
    if (this.security === undefined) {
      this.phase = 'open';
      return;
    }
    this.offCredentials = this.security.onChange((event) => this.credentialsChanged(event));
    this.handshakeTimer = setTimeout(() => this.refuse(`no handshake within ${options.handshakeTimeoutMs ?? 5000} ms`), options.handshakeTimeoutMs ?? 5000);
    this.handshakeTimer.unref();
    if (options.role === 'client') {
      this.client = new ClientHandshake(this.security);
      this.phase = 'welcome';
      this.writePlain(this.client.hello());
    } else {
      this.server = new ServerHandshake(this.security);
      this.phase = 'hello';
    }
  }

  /** The peer's checked certificate; undefined in an open overlay or before the handshake ends. */
  get peer(): Membership | undefined {
    return this.authenticated;
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  send(value: unknown): void {
    if (this.phase === 'closed') return;
    if (this.phase !== 'open') {
      this.waiting.push(value);
      return;
    }
    if (this.sealer === undefined) this.socket.write(encodeFrame(value));
    else this.socket.write(frameBytes(this.sealer.seal(msgpackSerializer.encode(value))));
  }

  /** End at once (no refuse frame). */
  destroy(reason: string): void {
    this.socket.destroy();
    this.end(reason);
  }

  /** Tell the peer why, then end. */
  refuse(reason: string): void {
    if (this.phase === 'closed') return;
    const frame = { t: 'refuse', reason: reason.slice(0, 500) };
    if (this.sealer !== undefined) this.socket.end(frameBytes(this.sealer.seal(msgpackSerializer.encode(frame))));
    else this.socket.end(encodeFrame(frame));
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.end(`refused the peer: ${reason}`);
  }

  private receive(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.reader.push(chunk);
    } catch (error) {
      this.destroy((error as Error).message);
      return;
    }
    for (const body of bodies) {
      if (this.phase === 'closed') return;
      try {
        this.receiveBody(body);
      } catch (error) {
        if (error instanceof HandshakeError) this.refuse(error.message);
        else this.destroy((error as Error).message);
        return;
      }
    }
  }

  private receiveBody(body: Buffer): void {
    const value = msgpackSerializer.decode(this.opener === undefined ? body : this.opener.open(body));
    const refused = refuseSchema.safeParse(value);
    if (refused.success) {
      this.destroy(`refused by the peer: ${refused.data.reason}`);
      return;
    }
    switch (this.phase) {
      case 'open':
        return this.receiveOpen(value);
      case 'hello':
        return this.receiveHello(value);
      case 'welcome':
        return this.receiveWelcome(value);
      case 'auth':
        return this.receiveAuth(value);
      case 'ready':
        return this.receiveReady(value);
      case 'closed':
        return;
    }
  }

  private receiveOpen(value: unknown): void {
    if (this.security === undefined) {
      if (helloSchema.safeParse(value).success) throw new HandshakeError('this node runs an open overlay: it authenticates nobody and takes no handshake');
      this.handlers.frame(value);
      return;
    }
    const peer = this.authenticated!;
    if (peer.expires + CLOCK_SKEW_MS < Date.now()) throw new HandshakeError(`the membership of node ${peer.node} expired and was not renewed`);
    const renew = renewSchema.safeParse(value);
    if (renew.success) {
      this.renewPeer(renew.data.cert);
      return;
    }
    this.handlers.frame(value);
  }

  private receiveHello(value: unknown): void {
    const hello = helloSchema.safeParse(value);
    if (!hello.success) throw new HandshakeError('this node accepts only authenticated peers: open the connection with the overlay handshake');
    this.writePlain(this.server!.hello(hello.data));
    this.phase = 'auth';
  }

  private receiveWelcome(value: unknown): void {
    const welcome = welcomeSchema.safeParse(value);
    if (!welcome.success) throw new HandshakeError('expected the overlay handshake\'s welcome');
    const { reply, result } = this.client!.welcome(welcome.data);
    this.writePlain(reply);
    this.pendingResult = result;
    this.phase = 'ready';
  }

  private receiveAuth(value: unknown): void {
    const auth = authSchema.safeParse(value);
    if (!auth.success) throw new HandshakeError('expected the overlay handshake\'s auth');
    const result = this.server!.auth(auth.data);
    this.writePlain({ t: 'ready' });
    this.open(result);
  }

  private receiveReady(value: unknown): void {
    if (!readySchema.safeParse(value).success) throw new HandshakeError('expected the overlay handshake\'s ready');
    this.open(this.pendingResult!);
    this.pendingResult = undefined;
  }

  private open(result: Authenticated): void {
    clearTimeout(this.handshakeTimer);
    this.authenticated = result.peer;
    this.sealer = new FrameSealer(result.keys.send);
    this.opener = new FrameOpener(result.keys.receive);
    this.phase = 'open';
    for (const value of this.waiting.splice(0)) this.send(value);
  }

  private renewPeer(certificate: string): void {
    let renewed: Membership;
    try {
      renewed = this.security!.verifyPeer(certificate);
    } catch (error) {
      if (error instanceof CertificateError) throw new HandshakeError(`renewal refused: ${error.message}`);
      throw error;
    }
    if (renewed.node !== this.authenticated!.node || !renewed.key.equals(this.authenticated!.key)) throw new HandshakeError('a renewed certificate must be for the same node and key');
    this.authenticated = renewed;
  }

  private credentialsChanged(event: CredentialsEvent): void {
    if (this.phase !== 'open' || this.security === undefined) return;
    if (event.kind === 'renewed') {
      const certificate = this.security.certificate;
      if (certificate !== undefined) this.send({ t: 'renew', cert: certificate });
    } else if (this.authenticated !== undefined && event.nodes.includes(this.authenticated.node)) {
      this.refuse(`node ${this.authenticated.node} was revoked`);
    }
  }

  private writePlain(value: unknown): void {
    this.socket.write(encodeFrame(value));
  }

  private end(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.handshakeTimer);
    this.offCredentials?.();
    this.waiting.length = 0;
    this.handlers.close(reason);
  }
}
