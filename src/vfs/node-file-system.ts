// The real FileSystem over node:fs. Errors become ShaleErrors (IO, NO_SPACE, NOT_FOUND)
// that keep the original as `cause`.

import fs from 'node:fs'
import { ShaleError, ioError } from '../errors.js'
import { lockDirectory } from './node-lock.js'
import type { CreateOptions, FileLock, FileSystem, RandomAccessFile, WritableFile } from './file-system.js'

class NodeRandomAccessFile implements RandomAccessFile {
  readonly #fd: number
  readonly #path: string
  readonly size: number

  constructor(path: string) {
    this.#path = path
    try {
      this.#fd = fs.openSync(path, 'r')
      this.size = fs.fstatSync(this.#fd).size
    } catch (err) {
      throw ioError(`open ${path} for reading`, err)
    }
  }

  read(offset: number, length: number): Uint8Array {
    const out = Buffer.allocUnsafe(length)
    let done = 0
    try {
      while (done < length) {
        const n = fs.readSync(this.#fd, out, done, length - done, offset + done)
        if (n === 0) break
        done += n
      }
    } catch (err) {
      throw ioError(`read ${length} bytes at offset ${offset} of ${this.#path}`, err)
    }
    if (done < length) {
      throw new ShaleError('CORRUPTION', `Corruption in ${this.#path}: wanted ${length} bytes at offset ${offset}, file ends at ${offset + done}`)
    }
    return out
  }

  close(): void {
    try {
      fs.closeSync(this.#fd)
    } catch {
      // Closing a read-only descriptor cannot lose data; nothing useful to report.
    }
  }
}

/**
 * How far ahead of the appends a preallocated file is zeroed. Each step costs one sync that
 * also writes the step's zeros and grows the file (about a millisecond more), once per
 * 1,700 syncs of 150-byte writes; in between, a sync only rewrites blocks the file has. The
 * zeros count in the store's disk size until the log is deleted, so the step stays small.
 */
const PREALLOCATE_STEP = 256 * 1024
const ZEROS = new Uint8Array(PREALLOCATE_STEP)

class NodeWritableFile implements WritableFile {
  readonly #fd: number
  readonly #path: string
  size = 0
  /** Whether appends go to `size` by position inside zeroed space (see CreateOptions). */
  readonly #positional: boolean
  /** The file's length on disk: `size` plus the zeros reserved after it. */
  #reserved = 0
  /** Set after reserving failed (a full disk): appends still go by position, growing the file. */
  #reserveFailed = false

  constructor(path: string, options: CreateOptions) {
    this.#path = path
    this.#positional = options.preallocate === true
    try {
      this.#fd = fs.openSync(path, 'w')
    } catch (err) {
      throw ioError(`create ${path}`, err)
    }
  }

  append(data: Uint8Array): void {
    if (this.#positional && this.size + data.length > this.#reserved && !this.#reserveFailed) this.#reserve(this.size + data.length)
    const position = this.#positional ? this.size : null
    let done = 0
    try {
      while (done < data.length) done += fs.writeSync(this.#fd, data, done, data.length - done, position === null ? null : position + done)
    } catch (err) {
      // A partial append leaves a torn tail that readers detect by checksum; report it.
      this.size += done
      throw ioError(`append ${data.length} bytes to ${this.#path}`, err)
    }
    this.size += done
    if (this.size > this.#reserved) this.#reserved = this.size
  }

  /** Zeroes the file from its current end to a step past `needed`. */
  #reserve(needed: number): void {
    const target = needed + PREALLOCATE_STEP
    try {
      for (let at = this.#reserved; at < target; ) {
        at += fs.writeSync(this.#fd, ZEROS, 0, Math.min(ZEROS.length, target - at), at)
        this.#reserved = at
      }
    } catch {
      // Only an optimisation failed (the disk is likely full): the append that follows
      // reports the real error if there is one. Zeros written so far read as the log's end.
      this.#reserveFailed = true
    }
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.fdatasync(this.#fd, (err) => (err ? reject(ioError(`sync ${this.#path}`, err)) : resolve()))
    })
  }

  close(): void {
    // The reserved zeros stay. Trimming them would race a reader of the log in another
    // process, which took the file's size when it opened it; and a closed log is deleted
    // once its memtable is in a table, or replayed and deleted at the next open.
    try {
      fs.closeSync(this.#fd)
    } catch (err) {
      throw ioError(`close ${this.#path}`, err)
    }
  }
}

export class NodeFileSystem implements FileSystem {
  mkdir(dir: string): void {
    try {
      fs.mkdirSync(dir, { recursive: true })
    } catch (err) {
      throw ioError(`create directory ${dir}`, err)
    }
  }

  stat(path: string): 'file' | 'directory' | undefined {
    try {
      const s = fs.statSync(path)
      return s.isDirectory() ? 'directory' : 'file'
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw ioError(`stat ${path}`, err)
    }
  }

  list(dir: string): string[] {
    try {
      return fs.readdirSync(dir)
    } catch (err) {
      throw ioError(`list ${dir}`, err)
    }
  }

  create(path: string, options: CreateOptions = {}): WritableFile {
    return new NodeWritableFile(path, options)
  }

  openRead(path: string): RandomAccessFile {
    return new NodeRandomAccessFile(path)
  }

  readAll(path: string): Uint8Array {
    try {
      return fs.readFileSync(path)
    } catch (err) {
      throw ioError(`read ${path}`, err)
    }
  }

  mtimeMs(path: string): number | undefined {
    try {
      return fs.statSync(path).mtimeMs
    } catch {
      // Gone, or not statable: the caller falls back to when it first saw the file.
      return undefined
    }
  }

  rename(from: string, to: string): void {
    try {
      fs.renameSync(from, to)
    } catch (err) {
      throw ioError(`rename ${from} to ${to}`, err)
    }
  }

  remove(path: string): void {
    try {
      fs.rmSync(path, { force: true })
    } catch (err) {
      throw ioError(`remove ${path}`, err)
    }
  }

  link(existing: string, path: string): void {
    try {
      fs.linkSync(existing, path)
    } catch (err) {
      throw ioError(`link ${existing} as ${path}`, err)
    }
  }

  removeDir(dir: string): void {
    try {
      fs.rmdirSync(dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw ioError(`remove directory ${dir}`, err)
    }
  }

  syncDir(dir: string): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.open(dir, 'r', (openErr, fd) => {
        if (openErr) return reject(ioError(`open directory ${dir} to sync it`, openErr))
        fs.fsync(fd, (syncErr) => {
          fs.close(fd, () => (syncErr ? reject(ioError(`sync directory ${dir}`, syncErr)) : resolve()))
        })
      })
    })
  }

  /** See node-lock.ts: a LOCK file linked into place, taken over only from a dead owner. */
  lock(path: string): FileLock {
    return lockDirectory(path)
  }
}
