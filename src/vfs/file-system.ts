// The single seam between the engine and the disk. Everything Shale persists goes through
// a FileSystem, so tests can substitute one that fails on demand or forgets unsynced data.
//
// Reads and appends are synchronous: on a page-cache hit they cost a few microseconds,
// while a trip through libuv's thread pool costs tens. Durability barriers (sync, syncDir)
// are asynchronous so the event loop keeps serving while the disk flushes, which is what
// lets many sync writers share one fsync.

export interface RandomAccessFile {
  readonly size: number
  /** Reads exactly `length` bytes at `offset`, or throws if the file is shorter. */
  read(offset: number, length: number): Uint8Array
  close(): void
}

/** `file` as if it ended at `size` (reads past it are the caller's bug); closing the view leaves `file` open. */
export function sizedView(file: RandomAccessFile, size: number): RandomAccessFile {
  return { size, read: (offset, length) => file.read(offset, length), close: () => {} }
}

export interface WritableFile {
  /** Bytes appended so far (including any that existed when opened for append). */
  readonly size: number
  append(data: Uint8Array): void
  /** Makes every appended byte durable (fdatasync). */
  sync(): Promise<void>
  close(): void
}

export interface CreateOptions {
  /**
   * A hint for a write-ahead log that is synced often: the file system may reserve zeroed
   * space ahead of the appends, so that most syncs rewrite blocks the file already has
   * instead of growing it (a size change costs a journal commit in the sync). The file then
   * reads as its appended bytes followed by zeros, closed or not. A file system may ignore
   * the hint.
   */
  preallocate?: boolean
}

export interface FileLock {
  release(): void
}

/**
 * How a compaction worker builds the same file system in its own thread: it imports
 * `module` (a URL) and calls its export `createFileSystem(config)`, once per distinct spec.
 * `config` must survive structured cloning. A FileSystem without a spec cannot serve
 * compactionThread: 'worker', since functions and open files do not cross threads.
 */
export interface WorkerFileSystemSpec {
  module: string
  config: unknown
}

export interface FileSystem {
  /** Set when compactions in the worker thread may use (a copy of) this file system. */
  readonly forWorker?: WorkerFileSystemSpec
  /**
   * Readies `dir` before a database there is opened or repaired, for a file system whose
   * directory operations are asynchronous (the browser's loads the directory's entries).
   * Node's has none.
   */
  mount?(dir: string): Promise<void>
  mkdir(dir: string): void
  /** 'file', 'directory' or undefined when nothing is there. */
  stat(path: string): 'file' | 'directory' | undefined
  list(dir: string): string[]
  /** Creates (truncating) a file for appending. */
  create(path: string, options?: CreateOptions): WritableFile
  openRead(path: string): RandomAccessFile
  readAll(path: string): Uint8Array
  /**
   * When the file was last written (milliseconds since the epoch), if this file system knows:
   * how old a log kept for the change feed is (changesRetention.ms). Without it, a log's age
   * counts from when this process first kept it.
   */
  mtimeMs?(path: string): number | undefined
  /** Renames a file, or (where the file system can: Node's) a directory. */
  rename(from: string, to: string): void
  remove(path: string): void
  /**
   * Gives file `existing` a second name, `path` (a hard link), for a checkpoint's tables.
   * Optional: without it (OPFS has no links) a checkpoint copies. Throws a ShaleError whose
   * `cause` keeps the system's code (EXDEV across devices, EPERM, ENOTSUP...), on which a
   * checkpoint copies instead.
   */
  link?(existing: string, path: string): void
  /** Removes an empty directory (a checkpoint's temporary directory). Optional, as link. */
  removeDir?(dir: string): void
  /** Makes the directory's entries (creations, renames, removals) durable. */
  syncDir(dir: string): Promise<void>
  /**
   * Takes the exclusive lock of a database directory, or throws (rejects with) a LOCKED
   * ShaleError. Node's answers at once; the browser's may wait for a dead worker's handles.
   */
  lock(path: string): FileLock | Promise<FileLock>
}
