import { join } from 'node:path';
import { z } from 'zod';
import { formatZodError } from '../common/zod-error.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Router } from '../router/router.js';
import { Mesh } from './mesh.js';
import { provideMeshProcedures } from './procedures.js';
import { RegistryStore } from './store.js';

export { Mesh, MeshError } from './mesh.js';
export { RegistryStore, RegistryStoreError } from './store.js';
export type { DeviceRecord, ModalityRecord, DeviceInfo } from './records.js';

export const meshOptionsSchema = z.strictObject({
  /** Folder of the registry database (registry.db); ':memory:' keeps it in memory (tests). */
  dataDir: z.string().min(1),
  realm: z.string().default('thoth'),
  /** How often agents should send heartbeats (told to them in the heartbeat's answer). */
  heartbeatIntervalMs: z.number().int().positive().default(5000),
  /** A device with no heartbeat for this long is marked offline and its sessions ended. */
  heartbeatTimeoutMs: z.number().int().positive().default(15_000),
});

export type MeshOptions = z.input<typeof meshOptionsSchema> & { logger?: Logger; now?: () => number };

/** Add the device and modality registry to a router's realm. Throws RegistryStoreError when the database cannot be used. */
export function installMesh(router: Router, options: MeshOptions): Mesh {
  const { logger, now, ...rest } = options;
  const parsed = meshOptionsSchema.safeParse(rest);
  if (!parsed.success) throw new Error(`invalid mesh options: ${formatZodError(parsed.error)}`);
  const settings = parsed.data;
  const realm = router.realm(settings.realm);
  if (realm === undefined) throw new Error(`invalid mesh options: the router serves no realm "${settings.realm}"`);
  const store = RegistryStore.open(settings.dataDir === ':memory:' ? ':memory:' : join(settings.dataDir, 'registry.db'));
  const mesh = new Mesh(realm, store, { heartbeatIntervalMs: settings.heartbeatIntervalMs, heartbeatTimeoutMs: settings.heartbeatTimeoutMs, now: now ?? Date.now }, (logger ?? silentLogger).child({ layer: 'mesh' }));
  provideMeshProcedures(mesh, store);
  router.onClose(() => {
    mesh.close();
    store.close();
  });
  return mesh;
}
