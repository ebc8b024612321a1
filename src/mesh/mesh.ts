import type { Args, Dict } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { Logger } from '../observability/logger.js';
import type { Registration } from '../router/dealer.js';
import type { Peer } from '../router/peer.js';
import type { Realm, RealmListener } from '../router/realm.js';
import type { DeviceInfo, DeviceRecord, ModalityRecord } from './records.js';
import type { RegistryStore } from './store.js';
import type { DeviceState, ModalityState, SessionBinding } from './state.js';
import { DeviceTargeting } from './targeting.js';

export interface MeshSettings {
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  now: () => number;
}

/** Thrown by registry operations; the procedures layer turns it into an ERROR with this URI. */
export class MeshError extends Error {
  override readonly name = 'MeshError';
  constructor(readonly uri: string, message: string) {
    super(message);
  }
}

/**
 * The device and modality registry of one realm (the seed's "Syncer"): live state
 * over the persistent store, session bindings, device-targeted routing, drains,
 * heartbeats, and an event for every change.
 */
export class Mesh implements RealmListener {
  readonly devices = new Map<string, DeviceState>();
  readonly modalities = new Map<number, ModalityState>();
  readonly bindings = new Map<Peer, SessionBinding>();
  private readonly byName = new Map<string, Set<DeviceState>>();
  /** registration -> device -> its callees on that device, for targeted calls. */
  private readonly calleesByDevice = new Map<Registration, Map<DeviceState, Set<Peer>>>();
  private lastModalityId: number;
  private readonly drainWatchers = new Map<Peer, Set<() => void>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly realm: Realm,
    private readonly store: RegistryStore,
    readonly settings: MeshSettings,
    private readonly logger: Logger,
  ) {
    for (const record of store.loadDevices()) {
      const device: DeviceState = { record, agent: undefined, lastHeartbeat: 0, modalities: new Set() };
      this.devices.set(record.id, device);
      this.indexName(device);
    }
    this.lastModalityId = store.lastModalityId();
    realm.dealer.targeting = new DeviceTargeting(this);
    realm.listeners.push(this);
    this.sweeper = setInterval(() => this.sweepHeartbeats(), Math.max(10, Math.floor(settings.heartbeatTimeoutMs / 4)));
  }

  close(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  // ---- devices

  registerDevice(peer: Peer, info: DeviceInfo): DeviceRecord {
    const now = this.timestamp();
    let device = this.devices.get(info.id);
    const previous = device?.agent;
    if (previous !== undefined && previous !== peer) {
      this.logger.info({ device: info.id, old: previous.id, new: peer.id }, 'device registered again from a new session; ending the old one');
      this.unbindAgent(device!);
      previous.kill(ErrorUri.deviceOffline, `device ${info.id} registered again from another session`);
    }
    const wasOnline = device?.record.status === 'online';
    const record: DeviceRecord = { ...info, status: 'online', first_seen: device?.record.first_seen ?? now, last_seen: now };
    if (device === undefined) {
      device = { record, agent: peer, lastHeartbeat: this.settings.now(), modalities: new Set() };
      this.devices.set(info.id, device);
    } else {
      this.unindexName(device);
      device.record = record;
      device.agent = peer;
      device.lastHeartbeat = this.settings.now();
    }
    this.indexName(device);
    this.binding(peer).agentOf = device;
    this.store.saveDevice(record);
    this.publish(wasOnline ? 'thoth.device.on_updated' : 'thoth.device.on_online', [this.describeDevice(device)]);
    this.logger.info({ device: record.id, name: record.name, session: peer.id }, wasOnline ? 'device updated' : 'device online');
    return record;
  }

  heartbeat(peer: Peer): { interval_ms: number } {
    const device = this.bindings.get(peer)?.agentOf;
    if (device === undefined) throw new MeshError(ErrorUri.deviceOffline, 'this session registered no device (call thoth.device.register first)');
    device.lastHeartbeat = this.settings.now();
    device.record.last_seen = this.timestamp();
    this.store.touchDevice(device.record.id, device.record.last_seen);
    return { interval_ms: this.settings.heartbeatIntervalMs };
  }

  devicesByIdOrName(target: string): DeviceState[] {
    const byId = this.devices.get(target);
    if (byId !== undefined) return [byId];
    const named = this.byName.get(target);
    return named === undefined ? [] : [...named];
  }

  calleesOn(registration: Registration, device: DeviceState): ReadonlySet<Peer> | undefined {
    return this.calleesByDevice.get(registration)?.get(device);
  }

  device(target: string): DeviceState {
    const found = this.devicesByIdOrName(target);
    if (found.length === 0) throw new MeshError(ErrorUri.noSuchDevice, `no device "${target}" is known to this router`);
    if (found.length > 1) throw new MeshError(ErrorUri.invalidArgument, `several devices are named "${target}"; use the device id (${found.map((d) => d.record.id).join(', ')})`);
    return found[0]!;
  }

  dropDevice(target: string): { dropped: string; modalities: number } {
    const device = this.device(target);
    const modalities = [...device.modalities];
    const sessions = new Set<Peer>();
    if (device.agent !== undefined) sessions.add(device.agent);
    for (const modality of modalities) if (modality.provider !== undefined) sessions.add(modality.provider);
    for (const modality of modalities) this.killModality(modality, 'its device was dropped', ErrorUri.deviceDropped);
    this.unbindAgent(device);
    this.devices.delete(device.record.id);
    this.unindexName(device);
    this.store.deleteDevice(device.record.id);
    for (const peer of sessions) peer.kill(ErrorUri.deviceDropped, `device ${device.record.id} was dropped from the registry`);
    this.publish('thoth.device.on_dropped', [device.record.id]);
    this.logger.info({ device: device.record.id }, 'device dropped');
    return { dropped: device.record.id, modalities: modalities.length };
  }

  describeDevice(device: DeviceState): DeviceRecord & { modalities: ModalityRecord[] } {
    return { ...device.record, modalities: [...device.modalities].map((m) => m.record) };
  }

  // ---- modalities

  addModality(peer: Peer, input: { device: string; kind: string; name: string; details: Dict }): ModalityRecord {
    const device = this.devices.get(input.device);
    if (device === undefined) throw new MeshError(ErrorUri.noSuchDevice, `no device "${input.device}" is registered (the agent registers it first)`);
    if (device.record.status !== 'online') throw new MeshError(ErrorUri.deviceOffline, `device "${input.device}" is offline`);
    this.lastModalityId += 1;
    const record: ModalityRecord = {
      id: this.lastModalityId,
      device: device.record.id,
      kind: input.kind,
      name: input.name,
      details: input.details,
      procedures: [],
      status: 'live',
      session: peer.id,
      added: this.timestamp(),
    };
    const modality: ModalityState = { record, device, provider: peer };
    this.modalities.set(record.id, modality);
    device.modalities.add(modality);
    const binding = this.binding(peer);
    binding.modalities.push(modality);
    this.store.saveModality(record);
    // After a reconnect the SDK restores a session's registrations before the plugin adds its
    // modality again: tie those (and any other untied ones) to the session's modality now.
    for (const registration of peer.registrations) if (!binding.registrations.has(registration)) this.registered(peer, registration, {});
    this.publish('thoth.modality.on_added', [record]);
    return record;
  }

  modality(id: number): ModalityState {
    const found = this.modalities.get(id);
    if (found === undefined || found.record.status !== 'live') throw new MeshError(ErrorUri.noSuchModality, `no live modality ${id}`);
    return found;
  }

  /** Unregister the modality's procedures (failing their calls in flight with failUri) and mark it gone. */
  killModality(modality: ModalityState, reason: string, failUri: string = ErrorUri.modalityKilled): string[] {
    const procedures = [...modality.record.procedures];
    const provider = modality.provider;
    if (provider !== undefined) {
      const binding = this.bindings.get(provider);
      for (const [registration, owner] of [...(binding?.registrations ?? [])]) {
        if (owner === modality) this.realm.dealer.revoke(provider, registration, reason, failUri);
      }
      if (binding !== undefined) binding.modalities = binding.modalities.filter((m) => m !== modality);
    }
    this.markGone(modality);
    this.publish('thoth.modality.on_killed', [modality.record]);
    return procedures;
  }

  // ---- drain and deregister

  async drain(peer: Peer, registrations: Set<Registration>, deadlineMs: number): Promise<{ finished: number; failed: number }> {
    for (const r of registrations) peer.draining.add(r);
    const inFlight = (): number => {
      let n = 0;
      for (const invocation of peer.invocations.values()) if (registrations.has(invocation.registration)) n += 1;
      return n;
    };
    const initial = inFlight();
    if (initial === 0) return { finished: 0, failed: 0 };
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const watchers = this.drainWatchers.get(peer) ?? new Set<() => void>();
      this.drainWatchers.set(peer, watchers);
      peer.drainWatch = () => {
        for (const w of [...watchers]) w();
      };
      const finish = (failed: number): void => {
        clearTimeout(timer);
        watchers.delete(check);
        if (watchers.size === 0) {
          this.drainWatchers.delete(peer);
          peer.drainWatch = undefined;
        }
        resolve({ finished: initial - failed, failed });
      };
      const check = (): void => {
        if (inFlight() === 0) finish(0);
      };
      watchers.add(check);
      timer = setTimeout(() => {
        watchers.delete(check);
        const failed = this.realm.dealer.failInvocations(peer, registrations, ErrorUri.drainDeadline, `the callee was draining and its deadline of ${deadlineMs} ms passed`);
        finish(failed);
      }, deadlineMs);
    });
  }

  deregister(peer: Peer): string[] {
    const uris: string[] = [];
    for (const registration of [...peer.registrations]) {
      uris.push(registration.uri);
      this.realm.dealer.revoke(peer, registration, 'deregistered', ErrorUri.deregistered);
    }
    return uris;
  }

  registrationsOf(modality: ModalityState): Set<Registration> {
    const out = new Set<Registration>();
    const binding = modality.provider ? this.bindings.get(modality.provider) : undefined;
    for (const [registration, owner] of binding?.registrations ?? []) if (owner === modality) out.add(registration);
    return out;
  }

  // ---- realm events

  registered(peer: Peer, registration: Registration, options: Dict): void {
    const binding = this.bindings.get(peer);
    if (binding === undefined) return;
    const live = binding.modalities.filter((m) => m.record.status === 'live');
    const wanted = options['_modality'];
    let modality = typeof wanted === 'number' ? live.find((m) => m.record.id === wanted) : live[0];
    if (modality === undefined && typeof wanted === 'number') {
      this.logger.warn({ session: peer.id, modality: wanted, procedure: registration.uri }, 'REGISTER names a modality this session does not provide; using its first');
      modality = live[0];
    }
    if (modality === undefined) return;
    binding.registrations.set(registration, modality);
    let byDevice = this.calleesByDevice.get(registration);
    if (byDevice === undefined) this.calleesByDevice.set(registration, (byDevice = new Map()));
    let callees = byDevice.get(modality.device);
    if (callees === undefined) byDevice.set(modality.device, (callees = new Set()));
    callees.add(peer);
    if (!modality.record.procedures.includes(registration.uri)) {
      modality.record.procedures.push(registration.uri);
      this.store.saveModality(modality.record);
    }
  }

  unregistered(peer: Peer, registration: Registration): void {
    peer.draining.delete(registration);
    const binding = this.bindings.get(peer);
    const modality = binding?.registrations.get(registration);
    if (binding === undefined || modality === undefined) return;
    binding.registrations.delete(registration);
    const byDevice = this.calleesByDevice.get(registration);
    const callees = byDevice?.get(modality.device);
    callees?.delete(peer);
    if (callees?.size === 0) byDevice!.delete(modality.device);
    if (byDevice?.size === 0) this.calleesByDevice.delete(registration);
    modality.record.procedures = modality.record.procedures.filter((p) => p !== registration.uri);
    if (modality.record.status === 'live') this.store.saveModality(modality.record);
  }

  sessionLeft(peer: Peer): void {
    const binding = this.bindings.get(peer);
    if (binding === undefined) return;
    this.bindings.delete(peer);
    for (const modality of binding.modalities) {
      if (modality.record.status !== 'live') continue;
      this.markGone(modality);
      this.publish('thoth.modality.on_gone', [modality.record]);
    }
    const device = binding.agentOf;
    if (device !== undefined && device.agent === peer) this.deviceOffline(device, 'its agent session ended');
  }

  // ---- internals

  private deviceOffline(device: DeviceState, why: string): void {
    this.unbindAgent(device);
    device.record.status = 'offline';
    device.record.last_seen = this.timestamp();
    this.store.saveDevice(device.record);
    const providers = new Set<Peer>();
    for (const modality of [...device.modalities]) {
      if (modality.record.status !== 'live') continue;
      if (modality.provider !== undefined) providers.add(modality.provider);
      this.markGone(modality);
      this.publish('thoth.modality.on_gone', [modality.record]);
    }
    // A device offline has no live modality; its plugins' sessions reconnect and add them again.
    for (const provider of providers) provider.kill(ErrorUri.deviceOffline, `device ${device.record.id} went offline (${why})`);
    this.publish('thoth.device.on_offline', [this.describeDevice(device)]);
    this.logger.info({ device: device.record.id, why }, 'device offline');
  }

  private unbindAgent(device: DeviceState): void {
    const agent = device.agent;
    if (agent === undefined) return;
    const binding = this.bindings.get(agent);
    if (binding !== undefined && binding.agentOf === device) binding.agentOf = undefined;
    device.agent = undefined;
  }

  private markGone(modality: ModalityState): void {
    modality.record.status = 'gone';
    modality.record.session = 0;
    modality.provider = undefined;
    modality.device.modalities.delete(modality);
    this.modalities.delete(modality.record.id);
    this.store.setModalityStatus(modality.record.id, 'gone');
  }

  private sweepHeartbeats(): void {
    const deadline = this.settings.now() - this.settings.heartbeatTimeoutMs;
    for (const device of this.devices.values()) {
      const agent = device.agent;
      if (agent === undefined || device.lastHeartbeat >= deadline) continue;
      this.logger.warn({ device: device.record.id, session: agent.id }, 'no heartbeat in time; ending the device session');
      this.deviceOffline(device, 'no heartbeat in time');
      agent.kill(ErrorUri.heartbeatTimeout, `no heartbeat from device ${device.record.id} for ${this.settings.heartbeatTimeoutMs} ms`);
    }
  }

  private indexName(device: DeviceState): void {
    let named = this.byName.get(device.record.name);
    if (named === undefined) this.byName.set(device.record.name, (named = new Set()));
    named.add(device);
  }

  private unindexName(device: DeviceState): void {
    const named = this.byName.get(device.record.name);
    named?.delete(device);
    if (named?.size === 0) this.byName.delete(device.record.name);
  }

  private binding(peer: Peer): SessionBinding {
    let binding = this.bindings.get(peer);
    if (binding === undefined) {
      binding = { peer, agentOf: undefined, modalities: [], registrations: new Map() };
      this.bindings.set(peer, binding);
    }
    return binding;
  }

  publish(topic: string, args: Args): void {
    this.realm.broker.publishInternal(this.realm.internal, topic, args);
  }

  private timestamp(): string {
    return new Date(this.settings.now()).toISOString();
  }
}
