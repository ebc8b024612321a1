export { PastStore, type PastStoreOptions, type VersionedValue } from './past.js';
export { LocalStore, StorageFullError } from './local-store.js';
export { mergeRecords, setElements, RecordKindError, type StoredRecord } from './record.js';
export { keyOf } from './keys.js';
