import type Database from 'better-sqlite3';
import { openMigrated } from '../common/sqlite.js';
import type { DeviceKeyRecord, DeviceRecord, ModalityRecord, ModalityStatus } from './records.js';

export class RegistryStoreError extends Error {
  override readonly name = 'RegistryStoreError';
  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super(`registry database ${path}: ${message}`, options);
  }
}

/** Ordered migrations; PRAGMA user_version is the number applied. Never edit one that shipped. */
const migrations: readonly string[] = [
  `CREATE TABLE devices (
     id TEXT PRIMARY KEY,
     record TEXT NOT NULL,
     first_seen TEXT NOT NULL,
     last_seen TEXT NOT NULL
   );
   CREATE TABLE modalities (
     id INTEGER PRIMARY KEY,
     device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
     record TEXT NOT NULL,
     status TEXT NOT NULL
   );
   CREATE INDEX modalities_by_device ON modalities(device_id);`,
  `CREATE TABLE device_keys (
     pubkey TEXT PRIMARY KEY,
     device_id TEXT NOT NULL UNIQUE,
     state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'revoked')),
     record TEXT NOT NULL
   );`,
];

interface DeviceRow { record: string; first_seen: string; last_seen: string }
interface ModalityRow { record: string; status: string }

/**
 * The registry's persistent half: known devices (details, tags, first and last
 * seen) and the modalities they had. Live state (who is online) is the registry's;
 * at open every device is offline and every modality gone until they come back.
 */
export class RegistryStore {
  private readonly db: Database.Database;
  private readonly statements;

  private constructor(readonly path: string, db: Database.Database) {
    this.db = db;
    this.statements = {
      upsertDevice: db.prepare('INSERT INTO devices (id, record, first_seen, last_seen) VALUES (@id, @record, @first_seen, @last_seen) ON CONFLICT(id) DO UPDATE SET record = excluded.record, last_seen = excluded.last_seen'),
      touchDevice: db.prepare('UPDATE devices SET last_seen = ? WHERE id = ?'),
      deleteDevice: db.prepare('DELETE FROM devices WHERE id = ?'),
      allDevices: db.prepare('SELECT record, first_seen, last_seen FROM devices'),
      upsertModality: db.prepare('INSERT INTO modalities (id, device_id, record, status) VALUES (@id, @device_id, @record, @status) ON CONFLICT(id) DO UPDATE SET record = excluded.record, status = excluded.status'),
      setModalityStatus: db.prepare('UPDATE modalities SET status = ? WHERE id = ?'),
      allModalities: db.prepare('SELECT record, status FROM modalities'),
      maxModalityId: db.prepare('SELECT COALESCE(MAX(id), 0) AS max FROM modalities'),
      allGone: db.prepare("UPDATE modalities SET status = 'gone' WHERE status != 'gone'"),
      upsertKey: db.prepare('INSERT INTO device_keys (pubkey, device_id, state, record) VALUES (@pubkey, @device_id, @state, @record) ON CONFLICT(pubkey) DO UPDATE SET state = excluded.state, record = excluded.record'),
      deleteKey: db.prepare('DELETE FROM device_keys WHERE pubkey = ?'),
      allKeys: db.prepare('SELECT record FROM device_keys'),
    };
  }

  /** Open (creating it and its folder if needed) and migrate. Anything wrong is a RegistryStoreError naming the file. */
  static open(path: string): RegistryStore {
    let db: Database.Database;
    try {
      db = openMigrated(path, migrations, { pragmas: ['foreign_keys = ON'], emptyName: 'an empty registry' });
    } catch (cause) {
      throw new RegistryStoreError(path, (cause as Error).message, { cause: (cause as Error).cause });
    }
    const store = new RegistryStore(path, db);
    store.statements.allGone.run();
    return store;
  }

  loadDevices(): DeviceRecord[] {
    return (this.statements.allDevices.all() as DeviceRow[]).map((row) => ({
      ...(JSON.parse(row.record) as DeviceRecord),
      first_seen: row.first_seen,
      last_seen: row.last_seen,
      status: 'offline' as const,
    }));
  }

  loadModalities(): ModalityRecord[] {
    return (this.statements.allModalities.all() as ModalityRow[]).map((row) => ({ ...(JSON.parse(row.record) as ModalityRecord), status: row.status as ModalityStatus }));
  }

  saveDevice(device: DeviceRecord): void {
    this.statements.upsertDevice.run({ id: device.id, record: JSON.stringify(device), first_seen: device.first_seen, last_seen: device.last_seen });
  }

  touchDevice(id: string, lastSeen: string): void {
    this.statements.touchDevice.run(lastSeen, id);
  }

  deleteDevice(id: string): void {
    this.statements.deleteDevice.run(id);
  }

  saveModality(modality: ModalityRecord): void {
    this.statements.upsertModality.run({ id: modality.id, device_id: modality.device, record: JSON.stringify(modality), status: modality.status });
  }

  setModalityStatus(id: number, status: ModalityStatus): void {
    this.statements.setModalityStatus.run(status, id);
  }

  loadDeviceKeys(): DeviceKeyRecord[] {
    return (this.statements.allKeys.all() as { record: string }[]).map((row) => JSON.parse(row.record) as DeviceKeyRecord);
  }

  saveDeviceKey(key: DeviceKeyRecord): void {
    this.statements.upsertKey.run({ pubkey: key.pubkey, device_id: key.device, state: key.state, record: JSON.stringify(key) });
  }

  deleteDeviceKey(pubkey: string): void {
    this.statements.deleteKey.run(pubkey);
  }

  /** Modality ids are never reused, across restarts too. */
  lastModalityId(): number {
    return (this.statements.maxModalityId.get() as { max: number }).max;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
