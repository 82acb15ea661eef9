// An in-memory FileSystem for tests. It models what survives a power loss: crash() returns
// a new file system holding only the bytes each file had synced, and only the directory
// entries (creations, renames, removals) that a syncDir made durable. It injects failures
// (EIO, ENOSPC) into chosen operations, and counts opens and tracks open readers, for the
// table cache's handle limit.

import { dirname } from 'node:path'
import { ShaleError, ioError } from '../../src/errors.js'
import type { CreateOptions, FileLock, FileSystem, RandomAccessFile, WritableFile } from '../../src/vfs/file-system.js'

/**
 * Zeros a preallocated file shows after its appended bytes (see CreateOptions), like the
 * real file system's reserved space; more than a log block, so zero tails cross blocks.
 */
export const PREALLOCATED_ZEROS = 40_000

class Inode {
  data = new Uint8Array(256)
  length = 0
  synced = 0
  /** Zeros readers see after `length`: a preallocated file's reserved space. */
  pad = 0

  get physicalSize(): number {
    return this.length + this.pad
  }

  /** Bytes [offset, offset + n) as a reader sees them, the pad reading as zeros. */
  readAt(offset: number, n: number): Uint8Array {
    const out = new Uint8Array(n)
    if (offset < this.length) out.set(this.data.subarray(offset, Math.min(offset + n, this.length)))
    return out
  }

  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.data.length) {
      let cap = this.data.length * 2
      while (cap < this.length + bytes.length) cap *= 2
      const next = new Uint8Array(cap)
      next.set(this.data.subarray(0, this.length))
      this.data = next
    }
    this.data.set(bytes, this.length)
    this.length += bytes.length
  }

  bytes(): Uint8Array {
    return this.data.subarray(0, this.length)
  }
}

export type FaultKind = 'append' | 'sync' | 'syncDir' | 'create' | 'rename'

/** An injected failure: the `nth` (1-based) operation of `kind` from now fails with errno `code`. */
interface Fault {
  kind: FaultKind
  remaining: number
  code: 'EIO' | 'ENOSPC'
  /** Keep failing every later operation of this kind too (a disk that stays full). */
  sticky: boolean
}

export class MemoryFileSystem implements FileSystem {
  /** Current view: path → inode. */
  readonly files = new Map<string, Inode>()
  /** What a crash would keep: path → inode, as of each directory's last sync. */
  readonly durable = new Map<string, Inode>()
  readonly dirs = new Set<string>()
  readonly #locks = new Set<string>()
  readonly #faults: Fault[] = []

  /** Makes the nth next operation of `kind` fail (and, if sticky, every one after it until clearFaults). */
  failNth(kind: FaultKind, nth: number, code: 'EIO' | 'ENOSPC' = 'EIO', sticky = false): void {
    this.#faults.push({ kind, remaining: nth, code, sticky })
  }

  clearFaults(): void {
    this.#faults.length = 0
  }

  /** Throws the injected error if an armed fault of this kind is due. */
  #maybeFail(kind: FaultKind, path: string): void {
    for (const f of this.#faults) {
      if (f.kind !== kind) continue
      if (f.remaining > 1) {
        f.remaining--
        continue
      }
      if (!f.sticky) this.#faults.splice(this.#faults.indexOf(f), 1)
      const err = new Error(`${f.code}: injected ${kind} failure on ${path}`) as NodeJS.ErrnoException
      err.code = f.code
      throw ioError(`${kind} ${path}`, err)
    }
  }

  /** openRead calls so far, and the readers not yet closed. */
  opens = 0
  readonly openFiles = new Set<RandomAccessFile>()

  mkdir(dir: string): void {
    for (let d = dir; !this.dirs.has(d) && d !== dirname(d); d = dirname(d)) this.dirs.add(d)
  }

  stat(path: string): 'file' | 'directory' | undefined {
    if (this.files.has(path)) return 'file'
    if (this.dirs.has(path)) return 'directory'
    return undefined
  }

  list(dir: string): string[] {
    const out: string[] = []
    for (const p of this.files.keys()) if (dirname(p) === dir) out.push(p.slice(dir.length + 1))
    return out
  }

  create(path: string, options: CreateOptions = {}): WritableFile {
    if (!this.dirs.has(dirname(path))) throw new ShaleError('NOT_FOUND', `Cannot create ${path}: no such directory`)
    this.#maybeFail('create', path)
    const inode = new Inode()
    if (options.preallocate === true) inode.pad = PREALLOCATED_ZEROS
    this.files.set(path, inode)
    let open = true
    return {
      get size() {
        return inode.length
      },
      append: (data: Uint8Array) => {
        if (!open) throw new Error(`append to closed file ${path}`)
        this.#maybeFail('append', path)
        inode.append(data)
      },
      sync: async () => {
        this.#maybeFail('sync', path)
        inode.synced = inode.length
      },
      close() {
        open = false
      },
    }
  }

  openRead(path: string): RandomAccessFile {
    const inode = this.files.get(path)
    if (inode === undefined) throw new ShaleError('NOT_FOUND', `Cannot open ${path}: no such file`)
    this.opens++
    const size = inode.physicalSize
    const file: RandomAccessFile = {
      size,
      read(offset: number, length: number) {
        if (offset + length > size) throw new ShaleError('CORRUPTION', `Corruption in ${path}: read past the end`)
        return inode.readAt(offset, length)
      },
      close: () => {
        this.openFiles.delete(file)
      },
    }
    this.openFiles.add(file)
    return file
  }

  readAll(path: string): Uint8Array {
    const inode = this.files.get(path)
    if (inode === undefined) throw new ShaleError('NOT_FOUND', `Cannot read ${path}: no such file`)
    return inode.readAt(0, inode.physicalSize)
  }

  rename(from: string, to: string): void {
    this.#maybeFail('rename', from)
    if (this.dirs.has(from)) return this.#renameDir(from, to)
    const inode = this.files.get(from)
    if (inode === undefined) throw new ShaleError('NOT_FOUND', `Cannot rename ${from}: no such file`)
    this.files.delete(from)
    this.files.set(to, inode)
  }

  /** Moves a directory and everything under it (durably once the parent's directory is synced, as a file's rename). */
  #renameDir(from: string, to: string): void {
    if (this.stat(to) === 'file' || this.list(to).length > 0) throw new ShaleError('IO', `Cannot rename ${from} to ${to}: the target exists`)
    const moved = (p: string): string | undefined => (p === from ? to : p.startsWith(`${from}/`) ? to + p.slice(from.length) : undefined)
    for (const d of [...this.dirs]) {
      const m = moved(d)
      if (m !== undefined) this.dirs.delete(d), this.dirs.add(m)
    }
    for (const map of [this.files, this.durable]) {
      for (const [p, inode] of [...map]) {
        const m = moved(p)
        if (m !== undefined) map.delete(p), map.set(m, inode)
      }
    }
  }

  remove(path: string): void {
    this.files.delete(path)
  }

  /** A second name for the same inode: writes through either are one file, as on a real disk. */
  link(existing: string, path: string): void {
    const inode = this.files.get(existing)
    if (inode === undefined) throw new ShaleError('NOT_FOUND', `Cannot link ${existing}: no such file`)
    if (this.files.has(path)) throw new ShaleError('IO', `Cannot link ${existing} as ${path}: it exists`)
    this.files.set(path, inode)
  }

  removeDir(dir: string): void {
    if (this.list(dir).length > 0) throw new ShaleError('IO', `Cannot remove directory ${dir}: not empty`)
    this.dirs.delete(dir)
  }

  async syncDir(dir: string): Promise<void> {
    this.#maybeFail('syncDir', dir)
    for (const p of [...this.durable.keys()]) if (dirname(p) === dir) this.durable.delete(p)
    for (const [p, inode] of this.files) if (dirname(p) === dir) this.durable.set(p, inode)
  }

  lock(path: string): FileLock {
    if (this.#locks.has(path)) throw new ShaleError('LOCKED', `Cannot lock ${path}: held`)
    this.#locks.add(path)
    return { release: () => this.#locks.delete(path) }
  }

  /**
   * The file system as a power loss would leave it: synced bytes and synced directory
   * entries only. With `tear`, each file also keeps the first tear(n) of its n unsynced
   * bytes: a write torn part-way, as a disk may leave it.
   */
  crash(tear?: (unsyncedBytes: number) => number): MemoryFileSystem {
    const after = new MemoryFileSystem()
    for (const d of this.dirs) after.dirs.add(d)
    for (const [p, inode] of this.durable) {
      const copy = new Inode()
      const keep = inode.synced + (tear === undefined ? 0 : Math.min(tear(inode.length - inode.synced), inode.length - inode.synced))
      copy.append(inode.data.subarray(0, keep))
      copy.synced = copy.length
      // A preallocated file keeps its reserved zeros after what survived.
      copy.pad = inode.pad
      after.files.set(p, copy)
      after.durable.set(p, copy)
    }
    return after
  }

  /** Raw bytes of a file, for corruption tests (a live view: edits change the file). */
  bytesOf(path: string): Uint8Array {
    return this.files.get(path)!.bytes()
  }

  /** Replaces a file's contents (as synced data, and nothing after them), for damage tests. */
  overwrite(path: string, bytes: Uint8Array): void {
    const inode = this.files.get(path)!
    inode.pad = 0
    inode.length = 0
    inode.append(bytes)
    inode.synced = inode.length
  }

  /** Cuts a file to `length` bytes, reserved zeros included. */
  truncate(path: string, length: number): void {
    const inode = this.files.get(path)!
    inode.pad = 0
    inode.length = Math.min(length, inode.length)
    inode.synced = Math.min(inode.synced, inode.length)
  }
}
