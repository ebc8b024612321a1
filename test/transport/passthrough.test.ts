import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { payloadOf } from '../../src/protocol/raw-payload.js';
import type { Message } from '../../src/protocol/messages.js';
import { connectTransport, listenRawSocket, listenWebSocket, type Connection, type Listener } from '../../src/transport/index.js';
import { attach, nextConnection } from './helpers.js';

const call: Message = { type: 'CALL', requestId: 1, options: {}, procedure: 'com.app.echo', args: [1, 'two'], kwargs: { three: [3] } };

async function receiveOne(
  listen: (onConnection: (c: Connection) => void) => Promise<Listener>,
  serializer: 'json' | 'msgpack',
): Promise<{ message: Message; server: Connection }> {
  const accepted = nextConnection();
  const listener = await listen(accepted.onConnection);
  const client = await connectTransport(listener.url, { serializer });
  const server = await accepted.next();
  const recorder = attach(server);
  attach(client);
  client.send(call);
  const [message] = await recorder.messageCount(1);
  client.close();
  await listener.close();
  return { message: message!, server };
}

describe('payload passthrough (listener option)', { timeout: 10_000 }, () => {
  for (const [name, listen] of [
    ['RawSocket', (on: (c: Connection) => void) => listenRawSocket({ passthrough: true }, on)],
    ['WebSocket', (on: (c: Connection) => void) => listenWebSocket({ passthrough: true }, on)],
  ] as const) {
    it(`${name} msgpack: keeps the payload of a CALL raw and sends it back unchanged`, async () => {
      const { message, server } = await receiveOne(listen, 'msgpack');
      assert.ok(message.type === 'CALL' && message.raw !== undefined);
      assert.equal(message.args, undefined);
      assert.deepEqual(payloadOf(message), { args: [1, 'two'], kwargs: { three: [3] } });
      server.close();
    });

    it(`${name} json: decodes as before`, async () => {
      const { message, server } = await receiveOne(listen, 'json');
      assert.deepEqual(message, call);
      server.close();
    });
  }

  it('is off by default', async () => {
    const { message, server } = await receiveOne((on) => listenRawSocket({}, on), 'msgpack');
    assert.deepEqual(message, call);
    server.close();
  });
});
