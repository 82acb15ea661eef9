// In-memory files for table-layer tests: a WritableFile that collects bytes, a
// RandomAccessFile over a byte array that counts reads, and a tiny FileSystem over a Map.

import { ShaleError } from '../../src/errors.js'
import type { FileLock, FileSystem, RandomAccessFile, WritableFile } from '../../src/vfs/file-system.js'

export class MemoryWritableFile implements WritableFile {
  #buf = new Uint8Array(1024)
  #size = 0
  appends = 0
  closed = false
  readonly #onClose: ((bytes: Uint8Array) => void) | undefined

  constructor(onClose?: (bytes: Uint8Array) => void) {
    this.#onClose = onClose
  }

  get size(): number {
    return this.#size
  }

  append(data: Uint8Array): void {
    if (this.closed) throw new Error('append after close')
    if (this.#size + data.length > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#size + data.length, this.#buf.length * 2))
      grown.set(this.#buf.subarray(0, this.#size))
      this.#buf = grown
    }
    // Copy: the caller may reuse its buffer once append returns.
    this.#buf.set(data, this.#size)
    this.#size += data.length
    this.appends++
  }

  async sync(): Promise<void> {}

  close(): void {
    if (this.closed) return
    this.closed = true
    this.#onClose?.(this.bytes())
  }

  /** A copy of everything appended. */
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#size)
  }
}

export class MemoryRandomAccessFile implements RandomAccessFile {
  readonly #data: Uint8Array
  reads = 0
  bytesRead = 0
  closed = false

  constructor(data: Uint8Array) {
    this.#data = data
  }

  get size(): number {
    return this.#data.length
  }

  read(offset: number, length: number): Uint8Array {
    if (this.closed) throw new Error('read after close')
    if (offset < 0 || length < 0 || offset + length > this.#data.length) {
      throw new ShaleError('CORRUPTION', `Corruption in memory file: wanted ${length} bytes at ${offset}, file has ${this.#data.length}`)
    }
    this.reads++
    this.bytesRead += length
    // A copy, like a real read: later changes to the array must not reach returned blocks.
    return this.#data.slice(offset, offset + length)
  }

  close(): void {
    this.closed = true
  }
}

/** Just enough FileSystem for the table cache: create, openRead, stat, list, remove. */
export class MemoryFileSystem implements FileSystem {
  readonly files = new Map<string, Uint8Array>()
  readonly openFiles = new Set<MemoryRandomAccessFile>()
  opens = 0

  mkdir(): void {}

  stat(path: string): 'file' | 'directory' | undefined {
    return this.files.has(path) ? 'file' : undefined
  }

  list(dir: string): string[] {
    return [...this.files.keys()].filter((p) => p.startsWith(dir + '/')).map((p) => p.slice(dir.length + 1))
  }

  create(path: string): WritableFile {
    this.files.set(path, new Uint8Array(0))
    return new MemoryWritableFile((bytes) => this.files.set(path, bytes))
  }

  openRead(path: string): RandomAccessFile {
    const data = this.files.get(path)
    if (data === undefined) throw new ShaleError('NOT_FOUND', `Cannot open ${path}: no such file`)
    this.opens++
    const file = new MemoryRandomAccessFile(data)
    const close = file.close.bind(file)
    file.close = () => {
      close()
      this.openFiles.delete(file)
    }
    this.openFiles.add(file)
    return file
  }

  readAll(path: string): Uint8Array {
    const data = this.files.get(path)
    if (data === undefined) throw new ShaleError('NOT_FOUND', `Cannot read ${path}: no such file`)
    return data.slice()
  }

  rename(from: string, to: string): void {
    const data = this.files.get(from)
    if (data === undefined) throw new ShaleError('NOT_FOUND', `Cannot rename ${from}: no such file`)
    this.files.delete(from)
    this.files.set(to, data)
  }

  remove(path: string): void {
    this.files.delete(path)
  }

  async syncDir(): Promise<void> {}

  lock(): FileLock {
    return { release() {} }
  }
}
