import { msgpackSerializer } from '../../codec/msgpack.js';
import { mergeRecords, type StoredRecord } from './record.js';

export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';
  readonly code = 'DHT_STORAGE_FULL';
}

/** Bytes a record is charged: its MessagePack size plus the key. */
export function recordBytes(keyHex: string, record: StoredRecord): number {
  return msgpackSerializer.encode(record).length + keyHex.length;
}

/** One node's replicas, in memory, capped at `maxBytes`. Persistence is for later. */
export class LocalStore {
  private readonly records = new Map<string, { record: StoredRecord; bytes: number }>();
  private used = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
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

  /** Merge `record` into what is stored; returns the merged record. Throws StorageFullError past the cap. */
  merge(keyHex: string, record: StoredRecord): StoredRecord {
    const old = this.records.get(keyHex);
    const merged = old === undefined ? record : mergeRecords(old.record, record);
    const bytes = recordBytes(keyHex, merged);
    const after = this.used - (old?.bytes ?? 0) + bytes;
    if (after > this.maxBytes) {
      throw new StorageFullError(`storage full: ${this.used} of ${this.maxBytes} bytes used, a ${bytes}-byte record for ${keyHex} does not fit`);
    }
    this.records.set(keyHex, { record: merged, bytes });
    this.used = after;
    return merged;
  }
}
