import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { RAWSOCKET_MAGIC } from './rawsocket-handshake.js';

/** The first octet of every TLS connection: a handshake record (ClientHello). */
const TLS_HANDSHAKE_RECORD = 0x16;

/**
 * Hand a new TCP connection to `tlsServer` once its first octet shows a TLS
 * handshake. Anything else is refused at once: a plain RawSocket client sends
 * only 4 octets, which TLS would wait on (for a 5-octet record header) until
 * its handshake timeout.
 */
export function handOverTls(socket: Socket, tlsServer: TlsServer, timeoutMs: number, refuse: (reason: string) => void): void {
  const onData = (chunk: Buffer) => {
    cleanup();
    const first = chunk[0];
    if (first !== TLS_HANDSHAKE_RECORD) {
      const plain = first === RAWSOCKET_MAGIC ? ': a plain RawSocket client (tcp://) at a TLS port (tls://)' : '';
      refuse(`not a TLS handshake (first octet 0x${(first ?? 0).toString(16).padStart(2, '0')}${plain})`);
      socket.destroy();
      return;
    }
    socket.pause();
    // The TLS socket reads what is buffered first.
    socket.unshift(chunk);
    tlsServer.emit('connection', socket);
  };
  const onTimeout = () => {
    cleanup();
    refuse(`no TLS handshake within ${timeoutMs} ms`);
    socket.destroy();
  };
  // Until the handover a failing socket just closes; after it the TLS socket reports.
  const ignore = () => {};
  const timer = setTimeout(onTimeout, timeoutMs);
  timer.unref();
  function cleanup(): void {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', cleanup);
  }
  socket.on('data', onData);
  socket.on('error', ignore);
  socket.on('close', cleanup);
}
