import { join } from 'node:path';
import { z } from 'zod';
import { formatZodError } from '../common/zod-error.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Router } from '../router/router.js';
import { Mesh } from './mesh.js';
import { endDeviceSessions } from './revocation.js';
import { DevicePairing } from './pairing.js';
import { provideMeshProcedures } from './procedures.js';
import { RegistryStore } from './store.js';

export { Mesh, MeshError } from './mesh.js';
export { RegistryStore, RegistryStoreError } from './store.js';
export { DevicePairing, deviceRole, pairingProvider } from './pairing.js';
export type { DeviceRecord, ModalityRecord, DeviceInfo, DeviceKeyRecord, DeviceKeyState } from './records.js';

/** The registry database and the device keys in it: opened before the router, whose authentication needs the keys. */
export interface Registry {
  store: RegistryStore;
  pairing: DevicePairing;
}

/** Open (creating if needed) `<dataDir>/registry.db`, or an in-memory one for ':memory:'. Throws RegistryStoreError. */
export function openRegistry(dataDir: string, options: { logger?: Logger; now?: () => number } = {}): Registry {
  const store = RegistryStore.open(dataDir === ':memory:' ? ':memory:' : join(dataDir, 'registry.db'));
  const pairing = new DevicePairing(store, { logger: (options.logger ?? silentLogger).child({ layer: 'pairing' }), now: options.now });
  return { store, pairing };
}

export const meshOptionsSchema = z.strictObject({
  /** Folder of the registry database (registry.db); ':memory:' keeps it in memory (tests). Unused when a registry is given. */
  dataDir: z.string().min(1).optional(),
  realm: z.string().default('thoth'),
  /** How often agents should send heartbeats (told to them in the heartbeat's answer). */
  heartbeatIntervalMs: z.number().int().positive().default(5000),
  /** A device with no heartbeat for this long is marked offline and its sessions ended. */
  heartbeatTimeoutMs: z.number().int().positive().default(15_000),
});

export type MeshOptions = z.input<typeof meshOptionsSchema> & { logger?: Logger; now?: () => number; registry?: Registry };

/**
 * Add the device and modality registry to a router's realm, with the given
 * registry or one opened from dataDir. A revoked device's sessions end in every
 * realm of the router. Throws RegistryStoreError when the database cannot be used.
 */
export function installMesh(router: Router, options: MeshOptions): Mesh {
  const { logger, now, registry: given, ...rest } = options;
  const parsed = meshOptionsSchema.safeParse(rest);
  if (!parsed.success) throw new Error(`invalid mesh options: ${formatZodError(parsed.error)}`);
  const settings = parsed.data;
  const realm = router.realm(settings.realm);
  if (realm === undefined) throw new Error(`invalid mesh options: the router serves no realm "${settings.realm}"`);
  if (given === undefined && settings.dataDir === undefined) throw new Error('invalid mesh options: give dataDir or registry');
  const registry = given ?? openRegistry(settings.dataDir!, { logger, now });
  const mesh = new Mesh(realm, registry.store, { heartbeatIntervalMs: settings.heartbeatIntervalMs, heartbeatTimeoutMs: settings.heartbeatTimeoutMs, now: now ?? Date.now }, (logger ?? silentLogger).child({ layer: 'mesh' }));
  provideMeshProcedures(mesh, registry);
  registry.pairing.onChange((key) => {
    mesh.publish('thoth.device.on_pairing', [key]);
    if (key.state !== 'revoked') return;
    for (const name of router.settings.realms) {
      const each = router.realm(name);
      if (each !== undefined) endDeviceSessions(each, key.device);
    }
  });
  router.onClose(() => {
    mesh.close();
    registry.store.close();
  });
  return mesh;
}
