export { PastStore, type PastStoreOptions, type VersionedValue, type Removal, type RouteHandler, type ForwardHandler, type UpdateHandler } from './past.js';
export { LocalStore } from './local-store.js';
export { SqliteStore, DhtStoreError } from './sqlite-store.js';
export { StorageFullError, recordBytes, type ReplicaStore } from './replica-store.js';
export { mergeRecords, setElements, RecordKindError, type StoredRecord } from './record.js';
export { keyOf } from './keys.js';
