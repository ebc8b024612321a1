import { msgpackSerializer } from '../../codec/msgpack.js';
import type { StoredRecord } from './record.js';

/** A write that would take a node's local storage past its cap. */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';
  readonly code = 'DHT_STORAGE_FULL';
}

/** Where one node keeps its replicas: in memory (LocalStore) or on disk (SqliteStore). */
export interface ReplicaStore {
  /** The cap, in bytes (see recordBytes). */
  readonly maxBytes: number;
  readonly bytesUsed: number;
  /** The number of keys held. */
  readonly size: number;
  get(keyHex: string): StoredRecord | undefined;
  keys(): string[];
  /** Merge `record` into what is stored; returns the merged record. Throws StorageFullError past the cap. */
  merge(keyHex: string, record: StoredRecord): StoredRecord;
  close(): void;
}

/** Bytes a record is charged: its MessagePack size plus the key. */
export function recordBytes(keyHex: string, record: StoredRecord): number {
  return msgpackSerializer.encode(record).length + keyHex.length;
}

export function checkMaxBytes(maxBytes: number): number {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  return maxBytes;
}

export function storageFull(used: number, maxBytes: number, bytes: number, keyHex: string): StorageFullError {
  return new StorageFullError(`storage full: ${used} of ${maxBytes} bytes used, a ${bytes}-byte record for ${keyHex} does not fit`);
}
