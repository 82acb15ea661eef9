// Shale's public surface. Everything a user imports comes from here.

export { Shale, type BatchOperation, type LoggedOperation, type ReadOptions } from './db/shale.js'
export { ShaleIterator, type IteratorOptions, type Entry } from './db/shale-iterator.js'
export { Snapshot } from './db/snapshot.js'
export type { DbStats, LevelStats, LifetimeStats } from './db/stats.js'
export type { WriteOptions, Bytes, IngestEntry, IngestSource } from './db/arguments.js'
export type { IngestResult } from './db/ingest.js'
export type { CheckpointResult } from './db/checkpoint.js'
export type { ChangeFeed, ChangesOptions } from './db/change-feed.js'
export type { ChangeBatch } from './db/change-operations.js'
export type { ChangesStats } from './db/stats.js'
export { checkDatabase, type CheckOptions, type CheckReport, type FileCheck } from './db/check.js'
export { repairDatabase, type RepairReport } from './db/repair.js'
export { ShaleError, SequenceUnavailableError, type ErrorCode } from './errors.js'
export { MAX_KEY_SIZE, MAX_VALUE_SIZE, OPTION_NAMES, type Options, type ChangesRetention } from './base/options.js'
export type { FileSystem, RandomAccessFile, WritableFile, FileLock, WorkerFileSystemSpec } from './vfs/file-system.js'
// The browser's file system (the default there); exported everywhere so its type is too.
export { OpfsFileSystem, type OpfsOptions } from './vfs/opfs-file-system.js'
