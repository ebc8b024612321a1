import { mergeRecords, type StoredRecord } from './record.js';
import { checkMaxBytes, recordBytes, storageFull, type ReplicaStore } from './replica-store.js';

export { StorageFullError, recordBytes } from './replica-store.js';

/** One node's replicas in memory, capped at `maxBytes` (the simulator's and tests' store; SqliteStore persists). */
export class LocalStore implements ReplicaStore {
  private readonly records = new Map<string, { record: StoredRecord; bytes: number }>();
  private used = 0;

  constructor(readonly maxBytes: number) {
    checkMaxBytes(maxBytes);
  }

  get bytesUsed(): number {
    return this.used;
  }

  get size(): number {
    return this.records.size;
  }

  get(keyHex: string): StoredRecord | undefined {
    return this.records.get(keyHex)?.record;
  }

  keys(): string[] {
    return [...this.records.keys()];
  }

  merge(keyHex: string, record: StoredRecord): StoredRecord {
    const old = this.records.get(keyHex);
    const merged = old === undefined ? record : mergeRecords(old.record, record);
    const bytes = recordBytes(keyHex, merged);
    const after = this.used - (old?.bytes ?? 0) + bytes;
    if (after > this.maxBytes) throw storageFull(this.used, this.maxBytes, bytes, keyHex);
    this.records.set(keyHex, { record: merged, bytes });
    this.used = after;
    return merged;
  }

  close(): void {
    // Nothing to release.
  }
}
