import { deviceIdFromPublicKey, keyFingerprint } from '../common/device-id.js';
import type { Logger } from '../observability/logger.js';
import type { Dict } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { AuthOutcome, JoinRequest } from '../router/auth.js';
import type { DeviceKeyPolicy } from '../router/auth/cryptosign.js';
import { deviceRoleName } from '../router/authorization.js';
import { authenticationFailed } from '../router/auth/ticket.js';
import { MeshError } from './mesh.js';
import type { DeviceKeyRecord, DeviceKeyState } from './records.js';
import type { RegistryStore } from './store.js';

/** The role of a session that joined with an approved device key. */
export const deviceRole = deviceRoleName;
export const pairingProvider = 'pairing';

export interface PairingSettings {
  logger: Logger;
  now?: () => number;
  /** Pending keys kept at most; the oldest is forgotten first. Default 64. */
  maxPending?: number;
}

/**
 * Device pairing: the router's record of device keys. An agent joins with
 * cryptosign and its device key; a key nobody configured is admitted when
 * approved, held as pending when new, refused when revoked. Keys persist in the
 * registry database.
 */
export class DevicePairing implements DeviceKeyPolicy {
  private readonly byKey = new Map<string, DeviceKeyRecord>();
  private readonly byDevice = new Map<string, DeviceKeyRecord>();
  private readonly now: () => number;
  private readonly maxPending: number;
  private readonly listeners: ((key: DeviceKeyRecord) => void)[] = [];

  constructor(private readonly store: RegistryStore, private readonly settings: PairingSettings) {
    this.now = settings.now ?? Date.now;
    this.maxPending = settings.maxPending ?? 64;
    for (const key of store.loadDeviceKeys()) this.index(key);
  }

  /** Called with a key record each time one is added or changes state. */
  onChange(listener: (key: DeviceKeyRecord) => void): void {
    this.listeners.push(listener);
  }

  admit(pubkey: string, authid: string | undefined, request: JoinRequest): AuthOutcome {
    const device = deviceIdFromPublicKey(Buffer.from(pubkey, 'hex'));
    if (authid !== undefined && authid !== device) return authenticationFailed;
    const address = request.connection.remoteAddress;
    let key = this.byKey.get(pubkey);
    if (key === undefined) {
      if (this.byDevice.has(device)) return authenticationFailed;
      key = this.request(pubkey, device, announcedName(request.details), address);
    } else {
      key.last_seen = this.timestamp();
      key.address = address;
      if (key.state === 'pending') key.name = announcedName(request.details) || key.name;
      this.store.saveDeviceKey(key);
    }
    switch (key.state) {
      case 'approved':
        return { kind: 'welcome', identity: { authid: device, authrole: deviceRole, authmethod: 'cryptosign', authprovider: pairingProvider } };
      case 'pending':
        return {
          kind: 'reject',
          reason: ErrorUri.devicePending,
          message: `device ${device} (key fingerprint ${key.fingerprint}) waits for approval: on the router's machine run \`thoth devices approve ${device}\``,
          proven: true,
        };
      case 'revoked':
        return { kind: 'reject', reason: ErrorUri.deviceRevoked, message: `device ${device} was revoked on this router` };
    }
  }

  approve(device: string): DeviceKeyRecord {
    return this.decide(device, 'approved');
  }

  revoke(device: string): DeviceKeyRecord {
    return this.decide(device, 'revoked');
  }

  list(state?: DeviceKeyState): DeviceKeyRecord[] {
    return [...this.byKey.values()].filter((k) => state === undefined || k.state === state).sort((a, b) => a.requested.localeCompare(b.requested));
  }

  key(device: string): DeviceKeyRecord | undefined {
    return this.byDevice.get(device);
  }

  private request(pubkey: string, device: string, name: string, address: string): DeviceKeyRecord {
    const pending = this.list('pending');
    if (pending.length >= this.maxPending) this.forget(pending[0]!);
    const now = this.timestamp();
    const key: DeviceKeyRecord = { pubkey, device, fingerprint: keyFingerprint(Buffer.from(pubkey, 'hex')), state: 'pending', name, address, requested: now, last_seen: now };
    this.index(key);
    this.store.saveDeviceKey(key);
    this.settings.logger.warn({ device, fingerprint: key.fingerprint, name, address }, `a new device asks to pair; approve it with \`thoth devices approve ${device}\``);
    this.changed(key);
    return key;
  }

  private decide(device: string, state: 'approved' | 'revoked'): DeviceKeyRecord {
    const key = this.byDevice.get(device);
    if (key === undefined) throw new MeshError(ErrorUri.noSuchDevice, `no device key for "${device}" (\`thoth devices pending\` lists the devices waiting for approval)`);
    if (key.state === state) return key;
    key.state = state;
    key.decided = this.timestamp();
    this.store.saveDeviceKey(key);
    this.settings.logger.info({ device, fingerprint: key.fingerprint, state }, state === 'approved' ? 'device approved' : 'device revoked');
    this.changed(key);
    return key;
  }

  private forget(key: DeviceKeyRecord): void {
    this.byKey.delete(key.pubkey);
    this.byDevice.delete(key.device);
    this.store.deleteDeviceKey(key.pubkey);
    this.settings.logger.info({ device: key.device, fingerprint: key.fingerprint }, 'too many devices waiting for approval; forgot the oldest');
  }

  private index(key: DeviceKeyRecord): void {
    this.byKey.set(key.pubkey, key);
    this.byDevice.set(key.device, key);
  }

  private changed(key: DeviceKeyRecord): void {
    for (const listener of this.listeners) listener(key);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}

/** HELLO.Details.authextra.name, for display while pending: a short string or ''. */
function announcedName(details: Dict): string {
  const extra = details['authextra'];
  const name = extra !== null && typeof extra === 'object' ? (extra as Dict)['name'] : undefined;
  return typeof name === 'string' && name.length <= 64 ? name : '';
}
