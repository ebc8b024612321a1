import type Database from 'better-sqlite3';
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { openMigrated } from '../../common/sqlite.js';
import { msgpackSerializer } from '../../codec/msgpack.js';
import { mergeRecords, recordSchema, type StoredRecord } from './record.js';
import { checkMaxBytes, recordBytes, storageFull, type ReplicaStore } from './replica-store.js';

export class DhtStoreError extends Error {
  override readonly name = 'DhtStoreError';
  readonly code = 'DHT_STORE';
  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super(`DHT store ${path}: ${message}`, options);
  }
}

/** Ordered migrations; PRAGMA user_version is the number applied. Never edit one that shipped. */
const migrations: readonly string[] = [
  `CREATE TABLE records (
     key TEXT PRIMARY KEY,
     record BLOB NOT NULL,
     bytes INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE meta (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
];

interface RecordRow { record: Buffer; bytes: number }

/**
 * One node's replicas in a SQLite file (better-sqlite3, WAL), capped at `maxBytes` counted as
 * LocalStore counts them. Also keeps the node's id, so a node restarted on the same file
 * takes its old place in the ring and serves what it held. The cap is not stored: opening
 * with a smaller one keeps what is there and refuses writes until enough is freed.
 */
export class SqliteStore implements ReplicaStore {
  private readonly statements;
  private used: number;
  private count: number;

  private constructor(readonly path: string, private readonly db: Database.Database, readonly maxBytes: number) {
    this.statements = {
      get: db.prepare('SELECT record, bytes FROM records WHERE key = ?'),
      keys: db.prepare('SELECT key FROM records').pluck(),
      upsert: db.prepare('INSERT INTO records (key, record, bytes) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET record = excluded.record, bytes = excluded.bytes'),
      totals: db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(bytes), 0) AS used FROM records'),
      getMeta: db.prepare('SELECT value FROM meta WHERE name = ?').pluck(),
      setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
    };
    const totals = this.statements.totals.get() as { count: number; used: number };
    this.count = totals.count;
    this.used = totals.used;
  }

  /** Open (creating it and its folder if needed) and migrate. Anything wrong is a DhtStoreError naming the file. */
  static open(path: string, options: { maxBytes: number }): SqliteStore {
    const maxBytes = checkMaxBytes(options.maxBytes);
    let db: Database.Database;
    try {
      db = openMigrated(path, migrations, { pragmas: ['synchronous = NORMAL'], emptyName: 'an empty store' });
    } catch (cause) {
      throw new DhtStoreError(path, (cause as Error).message, { cause: (cause as Error).cause });
    }
    return new SqliteStore(path, db, maxBytes);
  }

  get bytesUsed(): number {
    return this.used;
  }

  get size(): number {
    return this.count;
  }

  get(keyHex: string): StoredRecord | undefined {
    const row = this.statements.get.get(keyHex) as RecordRow | undefined;
    return row === undefined ? undefined : this.decode(keyHex, row.record);
  }

  keys(): string[] {
    return this.statements.keys.all() as string[];
  }

  merge(keyHex: string, record: StoredRecord): StoredRecord {
    return this.db.transaction(() => {
      const old = this.statements.get.get(keyHex) as RecordRow | undefined;
      const merged = old === undefined ? record : mergeRecords(this.decode(keyHex, old.record), record);
      const bytes = recordBytes(keyHex, merged);
      const after = this.used - (old?.bytes ?? 0) + bytes;
      if (after > this.maxBytes) throw storageFull(this.used, this.maxBytes, bytes, keyHex);
      this.statements.upsert.run(keyHex, msgpackSerializer.encode(merged), bytes);
      this.used = after;
      if (old === undefined) this.count++;
      return merged;
    })();
  }

  /** The node id kept in this store; `create` makes one on first use. */
  nodeId(create: () => string = () => randomBytes(16).toString('hex')): string {
    const stored = this.statements.getMeta.get('node_id') as string | undefined;
    if (stored !== undefined) {
      if (!/^[0-9a-f]{32}$/.test(stored)) throw new DhtStoreError(this.path, `the stored node id "${stored}" is not 32 hex digits`);
      return stored;
    }
    const id = create();
    this.statements.setMeta.run('node_id', id);
    return id;
  }

  /** The node's Ed25519 key kept in this store (PKCS#8 PEM); made on first use. */
  nodeKey(): KeyObject {
    const stored = this.statements.getMeta.get('node_key') as string | undefined;
    if (stored !== undefined) {
      try {
        const key = createPrivateKey(stored);
        if (key.asymmetricKeyType === 'ed25519') return key;
      } catch {
        // reported below
      }
      throw new DhtStoreError(this.path, 'the stored node key is not an Ed25519 private key');
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    this.statements.setMeta.run('node_key', privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    return privateKey;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private decode(keyHex: string, bytes: Buffer): StoredRecord {
    let value: unknown;
    try {
      value = msgpackSerializer.decode(bytes);
    } catch (cause) {
      throw new DhtStoreError(this.path, `the record for ${keyHex} cannot be decoded: ${(cause as Error).message}`, { cause });
    }
    const parsed = recordSchema.safeParse(value);
    if (!parsed.success) throw new DhtStoreError(this.path, `the record for ${keyHex} is not a valid record: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }
}
