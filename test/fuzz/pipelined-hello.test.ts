/**
 * A client that pipelines a CALL behind its HELLO (not waiting for WELCOME) is
 * aborted with wamp.error.protocol_violation; the router must then not go on to
 * welcome it: no WELCOME on the wire, no "session joined", no wamp.session.on_join
 * for a session that was refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MessageCode as C } from '../../src/protocol/messages.js';
import { FuzzPeer } from '../../fuzz/peer.js';
import { FuzzTarget } from '../../fuzz/target.js';

describe('HELLO with a CALL pipelined behind it', () => {
  let target: FuzzTarget;

  before(async () => {
    target = await FuzzTarget.start();
  });

  after(async () => {
    await target?.close();
  });

  for (const wire of ['rawsocket', 'websocket'] as const) {
    test(`over ${wire}: ABORT protocol_violation, and the refused session never joins the realm`, async () => {
      const mark = target.logs.length;
      const peer = await FuzzPeer.open(wire === 'rawsocket' ? target.rawPort : target.wsPort, wire, 'json');
      try {
        peer.send(Buffer.concat([
          peer.frame([C.HELLO, 'thoth', { roles: { caller: {} } }]),
          peer.frame([C.CALL, 1, {}, 'fuzz.bystander.echo', [1]]),
        ]));
        await peer.waitForClose('the router to end the session');
      } finally {
        peer.destroy();
      }
      await target.settled();
      assert.deepEqual(peer.messages.map((m) => (m as unknown[])[0]), [C.ABORT]);
      assert.equal((peer.messages[0] as unknown[])[2], 'wamp.error.protocol_violation');
      const joined = target.logs.slice(mark).filter((l) => l.msg === 'session joined');
      assert.deepEqual(joined, [], 'a session the router aborted was logged as joined');
      await target.checkBystander();
    });
  }
});
