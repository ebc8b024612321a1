import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorUri, RemoteError, type CallResult, type Session } from '../../src/client/index.js';
import { DeviceLink } from '../../src/agent/device-link.js';
import type { DeviceFacts } from '../../src/agent/facts.js';
import { silentLogger } from '../../src/observability/logger.js';
import { FakeClock } from '../client/fake-clock.js';

const facts: DeviceFacts = {
  id: 'abcdefghijklmnop', name: 'box', hostname: 'box', platform: 'linux', arch: 'x64', release: '6', cpus: 2, memory: 1, interfaces: [], tags: {}, agent_version: '0.1.0',
};

/** Just the Session surface DeviceLink uses: answers scripted per procedure, every call recorded. */
class FakeSession {
  state = 'established';
  id = 1;
  readonly calls: { procedure: string; kwargs: unknown }[] = [];
  readonly registered: string[] = [];
  readonly unregistered: string[] = [];
  heartbeat: () => unknown = () => ({ interval_ms: 250 });
  private nextModality = 1;

  async call(procedure: string, _args: unknown[], kwargs: unknown): Promise<CallResult> {
    this.calls.push({ procedure, kwargs });
    const value = procedure === 'thoth.modality.add' ? { id: this.nextModality++ } : procedure === 'thoth.device.heartbeat' ? this.heartbeat() : { id: facts.id };
    return { value } as CallResult;
  }

  async register(procedure: string): Promise<unknown> {
    this.registered.push(procedure);
    return { unregister: async () => { this.unregistered.push(procedure); } };
  }

  count(procedure: string): number {
    return this.calls.filter((c) => c.procedure === procedure).length;
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function link(session: FakeSession, clock: FakeClock, heartbeatIntervalMs?: number) {
  const registered: unknown[] = [];
  const deviceLink = new DeviceLink({
    session: session as unknown as Session,
    facts,
    procedures: [{ uri: 'agent.plugins.list', handler: () => [] }],
    heartbeatIntervalMs,
    clock,
    logger: silentLogger,
    registered: (device) => registered.push(device),
  });
  return { deviceLink, registered };
}

describe('device registration and heartbeats', () => {
  it('registers the device, adds the agent modality, registers its procedures, then beats at the interval the router asks for', async () => {
    const session = new FakeSession();
    const clock = new FakeClock();
    const { deviceLink, registered } = link(session, clock);
    await deviceLink.register();
    assert.deepEqual(session.calls.slice(0, 3).map((c) => c.procedure), ['thoth.device.register', 'thoth.modality.add', 'thoth.device.heartbeat']);
    assert.deepEqual(session.calls[0]!.kwargs, facts);
    assert.deepEqual(session.calls[1]!.kwargs, { device: facts.id, kind: 'agent', name: 'agent', details: { version: '0.1.0' } });
    assert.deepEqual(session.registered, ['agent.plugins.list']);
    assert.equal(deviceLink.modalityId, 1);
    assert.equal(registered.length, 1);
    assert.equal(deviceLink.heartbeatIntervalMs, 250);
    assert.deepEqual(clock.pendingDelays(), [250]);
    for (let i = 0; i < 4; i++) {
      clock.advance(250);
      await flush();
    }
    assert.equal(session.count('thoth.device.heartbeat'), 5);
    deviceLink.close();
    assert.deepEqual(clock.pendingDelays(), []);
  });

  it('keeps a configured interval whatever the router answers', async () => {
    const session = new FakeSession();
    const clock = new FakeClock();
    const { deviceLink } = link(session, clock, 1000);
    await deviceLink.register();
    assert.deepEqual(clock.pendingDelays(), [1000]);
    deviceLink.close();
  });

  it('registers again (new modality, procedures made again) when a heartbeat says the device is not online', async () => {
    const session = new FakeSession();
    const clock = new FakeClock();
    const { deviceLink, registered } = link(session, clock);
    await deviceLink.register();
    session.heartbeat = () => { throw new RemoteError(ErrorUri.deviceOffline, ['this session registered no device']); };
    clock.advance(250);
    await flush();
    session.heartbeat = () => ({ interval_ms: 250 });
    await flush();
    await flush();
    assert.equal(session.count('thoth.device.register'), 2);
    assert.equal(deviceLink.modalityId, 2);
    assert.deepEqual(session.unregistered, ['agent.plugins.list']);
    assert.deepEqual(session.registered, ['agent.plugins.list', 'agent.plugins.list']);
    assert.equal(registered.length, 2);
    assert.deepEqual(clock.pendingDelays(), [250], 'one heartbeat timer, not two');
    deviceLink.close();
  });

  it('does not loop when the router refuses even the heartbeat right after registering', async () => {
    const session = new FakeSession();
    const clock = new FakeClock();
    const { deviceLink } = link(session, clock);
    session.heartbeat = () => { throw new RemoteError(ErrorUri.deviceOffline, ['no']); };
    await deviceLink.register();
    clock.advance(5000);
    await flush();
    await flush();
    assert.equal(session.count('thoth.device.register'), 2, 'one registration per refused timer beat, no more');
    assert.deepEqual(clock.pendingDelays(), [5000]);
    deviceLink.close();
  });

  it('concurrent register() calls run one after the other, the last state winning', async () => {
    const session = new FakeSession();
    const clock = new FakeClock();
    const { deviceLink } = link(session, clock);
    await Promise.all([deviceLink.register(), deviceLink.register(), deviceLink.register()]);
    await flush();
    await flush();
    assert.equal(session.count('thoth.device.register'), 2, 'the first run, then one more for the calls made meanwhile');
    deviceLink.close();
  });
});
