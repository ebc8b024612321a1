import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { addDevice, addProvider, invoke, joinRouter, meshRouter } from './harness.js';

interface Device { id: string; name: string; status: string; tags: Record<string, string>; modalities: { id: number; kind: string; procedures: string[] }[] }

describe('device and modality registry', () => {
  test('a registered device is listed with its details, and its modalities with their procedures', async () => {
    const { router } = meshRouter();
    const watcher = await joinRouter(router);
    await watcher.subscribe('thoth.device.on_online');
    const { id } = await addDevice(router, 'dev-aaaa', 'kitchen', { room: 'kitchen' });
    const online = await watcher.next('EVENT');
    assert.equal((online.args?.[0] as Device).id, id);
    const { modality } = await addProvider(router, id, 'speaker', ['media.play', 'media.stop']);
    const devices = (await invoke(watcher, 'thoth.device.list')) as Device[];
    assert.equal(devices.length, 1);
    assert.equal(devices[0]!.name, 'kitchen');
    assert.equal(devices[0]!.status, 'online');
    assert.deepEqual(devices[0]!.tags, { room: 'kitchen' });
    assert.deepEqual(devices[0]!.modalities.map((m) => [m.id, m.kind, m.procedures]), [[modality, 'speaker', ['media.play', 'media.stop']]]);
    const byName = (await invoke(watcher, 'thoth.device.get', ['kitchen'])) as Device;
    assert.equal(byName.id, id);
    const speakers = (await invoke(watcher, 'thoth.device.list', [], { kind: 'speaker' })) as Device[];
    assert.equal(speakers.length, 1);
    assert.deepEqual(await invoke(watcher, 'thoth.device.list', [], { tags: { room: 'attic' } }), []);
    await router.close();
  });

  test('bad input names the field; unknown devices and modalities are clear errors', async () => {
    const { router } = meshRouter();
    const peer = await joinRouter(router);
    await assert.rejects(invoke(peer, 'thoth.device.register', [], { id: 'NO SPACES', name: 'x' }), (e: Error & { uri: string }) => e.uri === ErrorUri.invalidArgument && /id/.test(e.message));
    await assert.rejects(invoke(peer, 'thoth.device.register', [], { id: 'dev-bbbb', name: 'x', colour: 'red' }), /colour/);
    await assert.rejects(invoke(peer, 'thoth.device.get', ['nowhere']), (e: Error & { uri: string }) => e.uri === ErrorUri.noSuchDevice && /nowhere/.test(e.message));
    await assert.rejects(invoke(peer, 'thoth.modality.add', [], { device: 'dev-none', kind: 'speaker', name: 's' }), (e: Error & { uri: string }) => e.uri === ErrorUri.noSuchDevice);
    await assert.rejects(invoke(peer, 'thoth.modality.kill', [999]), (e: Error & { uri: string }) => e.uri === ErrorUri.noSuchModality);
    await assert.rejects(invoke(peer, 'thoth.device.heartbeat'), (e: Error & { uri: string }) => e.uri === ErrorUri.deviceOffline);
    await router.close();
  });

  test('when the agent session ends the device goes offline, its modalities gone, its plugin sessions ended', async () => {
    const { router } = meshRouter();
    const watcher = await joinRouter(router);
    await watcher.subscribe('thoth.device.on_offline');
    const device = await addDevice(router, 'dev-cccc', 'pi');
    const provider = await addProvider(router, device.id, 'speaker', ['media.play']);
    device.agent.connection.drop();
    const offline = await watcher.next('EVENT');
    assert.equal((offline.args?.[0] as Device).status, 'offline');
    const abort = await provider.peer.next('ABORT');
    assert.equal(abort.reason, ErrorUri.deviceOffline);
    const listed = (await invoke(watcher, 'thoth.device.get', [device.id])) as Device;
    assert.equal(listed.status, 'offline');
    assert.deepEqual(listed.modalities, []);
    const gone = (await invoke(watcher, 'thoth.modality.list', [], { status: 'gone' })) as { id: number }[];
    assert.deepEqual(gone.map((m) => m.id), [provider.modality]);
    await router.close();
  });

  test('a device whose heartbeats stop is marked offline and its session ended', async () => {
    const { router } = meshRouter({ heartbeatIntervalMs: 10, heartbeatTimeoutMs: 40 });
    const watcher = await joinRouter(router);
    await watcher.subscribe('thoth.device.on_offline');
    const device = await addDevice(router, 'dev-dddd', 'silent');
    assert.deepEqual(await invoke(device.agent, 'thoth.device.heartbeat'), { interval_ms: 10 });
    const offline = await watcher.next('EVENT');
    assert.equal((offline.args?.[0] as Device).id, device.id);
    assert.equal((await device.agent.next('ABORT')).reason, ErrorUri.heartbeatTimeout);
    await router.close();
  });

  test('registering again (a reconnected agent) keeps one device and ends the stale session', async () => {
    const { router } = meshRouter();
    const first = await addDevice(router, 'dev-eeee', 'laptop');
    const second = await addDevice(router, 'dev-eeee', 'laptop');
    assert.equal((await first.agent.next('ABORT')).reason, ErrorUri.deviceOffline);
    const devices = (await invoke(second.agent, 'thoth.device.list')) as Device[];
    assert.equal(devices.length, 1);
    assert.equal(devices[0]!.status, 'online');
    await router.close();
  });

  test('drop_device kills its modalities, fails calls in flight, ends its sessions and forgets it', async () => {
    const { router } = meshRouter();
    const device = await addDevice(router, 'dev-ffff', 'tv');
    const provider = await addProvider(router, device.id, 'screen', ['screen.show']);
    const caller = await joinRouter(router);
    caller.call('screen.show');
    await provider.peer.next('INVOCATION');
    const admin = await joinRouter(router);
    assert.deepEqual(await invoke(admin, 'thoth.device.drop', ['tv']), { dropped: device.id, modalities: 1 });
    assert.equal((await caller.next('ERROR')).error, ErrorUri.deviceDropped);
    assert.equal((await device.agent.next('ABORT')).reason, ErrorUri.deviceDropped);
    assert.equal((await provider.peer.next('ABORT')).reason, ErrorUri.deviceDropped);
    assert.deepEqual(await invoke(admin, 'thoth.device.list'), []);
    await router.close();
  });

  test('kill_modality unregisters its procedures and fails its calls in flight at once', async () => {
    const { router } = meshRouter();
    const device = await addDevice(router, 'dev-gggg', 'desk');
    const provider = await addProvider(router, device.id, 'speaker', ['media.play']);
    const caller = await joinRouter(router);
    caller.call('media.play');
    await provider.peer.next('INVOCATION');
    const result = (await invoke(caller, 'thoth.modality.kill', [provider.modality])) as { procedures: string[] };
    assert.deepEqual(result.procedures, ['media.play']);
    assert.equal((await caller.next('ERROR')).error, ErrorUri.modalityKilled);
    const unregistered = await provider.peer.next('UNREGISTERED');
    assert.equal(unregistered.requestId, 0);
    const again = await caller.callAndWait('media.play');
    assert.equal(again.type === 'ERROR' && again.error, ErrorUri.noSuchProcedure);
    await router.close();
  });

  test('deregister removes every registration of the app and fails its calls in flight', async () => {
    const { router } = meshRouter();
    const app = await joinRouter(router);
    await app.register('com.example.a');
    await app.register('com.example.b');
    const caller = await joinRouter(router);
    caller.call('com.example.a');
    await app.next('INVOCATION');
    const result = (await invoke(app, 'thoth.deregister')) as { unregistered: string[] };
    assert.deepEqual(result.unregistered.sort(), ['com.example.a', 'com.example.b']);
    assert.equal((await caller.next('ERROR')).error, ErrorUri.deregistered);
    await router.close();
  });
});

test('registrations made before the session adds its modality (restored after a reconnect) are tied to it', async () => {
  const { router } = meshRouter();
  const device = await addDevice(router, 'dev-hhhh', 'den');
  const plugin = await joinRouter(router);
  await plugin.register('media.play', { invoke: 'roundrobin' });
  const record = (await invoke(plugin, 'thoth.modality.add', [], { device: device.id, kind: 'speaker', name: 'den speaker' })) as { id: number; procedures: string[] };
  assert.deepEqual(record.procedures, ['media.play']);
  const caller = await joinRouter(router);
  caller.call('media.play', [], { _device: 'den' });
  const inv = await plugin.next('INVOCATION');
  plugin.send({ type: 'YIELD', requestId: inv.requestId, options: {} });
  assert.equal((await caller.next('RESULT')).type, 'RESULT');
  await router.close();
});
