// An origin private file system in memory, with the rules OpfsFileSystem has to live by:
// a sync access handle is exclusive (a second one fails with NoModificationAllowedError
// until the first closes), a file with an open handle cannot be moved or removed, lookups
// of a missing entry fail with NotFoundError and of the wrong kind with TypeMismatchError.
// `holdAll()` plays a terminated worker whose handles the browser has not released yet.

import type { OpfsDirectoryHandle, OpfsFileHandle, SyncAccessHandle } from '../../src/vfs/opfs-types.js'

const domError = (name: string, message: string): Error => Object.assign(new Error(message), { name })

class FakeFile {
  bytes = new Uint8Array(0)
  size = 0
  locked = false
  /** Bytes as of the last flush(). */
  flushed = new Uint8Array(0)
}

class FakeSync implements SyncAccessHandle {
  #open = true
  constructor(readonly file: FakeFile) {}

  #check(): FakeFile {
    if (!this.#open) throw domError('InvalidStateError', 'the handle is closed')
    return this.file
  }

  read(buffer: Uint8Array, options?: { at?: number }): number {
    const f = this.#check()
    const at = options?.at ?? 0
    const n = Math.max(0, Math.min(buffer.length, f.size - at))
    buffer.set(f.bytes.subarray(at, at + n))
    return n
  }

  write(buffer: Uint8Array, options?: { at?: number }): number {
    const f = this.#check()
    const at = options?.at ?? 0
    const end = at + buffer.length
    if (end > f.bytes.length) {
      const grown = new Uint8Array(Math.max(end, f.bytes.length * 2))
      grown.set(f.bytes.subarray(0, f.size))
      f.bytes = grown
    }
    f.bytes.set(buffer, at)
    f.size = Math.max(f.size, end)
    return buffer.length
  }

  truncate(size: number): void {
    const f = this.#check()
    if (size < f.size) f.bytes.fill(0, size, f.size)
    else this.write(new Uint8Array(size - f.size), { at: f.size })
    f.size = size
  }

  getSize(): number {
    return this.#check().size
  }

  flush(): void {
    const f = this.#check()
    f.flushed = f.bytes.slice(0, f.size)
  }

  close(): void {
    if (!this.#open) return
    this.#open = false
    this.file.locked = false
  }
}

class FakeFileHandle implements OpfsFileHandle {
  readonly kind = 'file'
  constructor(
    public dir: FakeDirectory,
    public name: string,
  ) {}

  #file(): FakeFile {
    const f = this.dir.children.get(this.name)
    if (!(f instanceof FakeFile)) throw domError('NotFoundError', `${this.name} is gone`)
    return f
  }

  async createSyncAccessHandle(): Promise<SyncAccessHandle> {
    const f = this.#file()
    if (f.locked) throw domError('NoModificationAllowedError', `${this.name} has an open access handle`)
    f.locked = true
    return new FakeSync(f)
  }

  async move(destination: OpfsDirectoryHandle, name: string): Promise<void> {
    const f = this.#file()
    if (f.locked) throw domError('NoModificationAllowedError', `${this.name} has an open access handle`)
    const dest = destination as unknown as FakeDirectory
    const there = dest.children.get(name)
    if (there instanceof FakeFile && there.locked) throw domError('NoModificationAllowedError', `${name} has an open access handle`)
    if (there instanceof FakeDirectory) throw domError('InvalidModificationError', `${name} is a directory`)
    this.dir.children.delete(this.name)
    dest.children.set(name, f)
    this.dir = dest
    this.name = name
  }
}

export class FakeDirectory implements OpfsDirectoryHandle {
  readonly kind = 'directory'
  readonly children = new Map<string, FakeDirectory | FakeFile>()
  constructor(readonly name = '') {}

  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirectoryHandle> {
    const e = this.children.get(name)
    if (e instanceof FakeFile) throw domError('TypeMismatchError', `${name} is a file`)
    if (e !== undefined) return e
    if (options?.create !== true) throw domError('NotFoundError', `no ${name}`)
    const d = new FakeDirectory(name)
    this.children.set(name, d)
    return d
  }

  async getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle> {
    const e = this.children.get(name)
    if (e instanceof FakeDirectory) throw domError('TypeMismatchError', `${name} is a directory`)
    if (e === undefined) {
      if (options?.create !== true) throw domError('NotFoundError', `no ${name}`)
      this.children.set(name, new FakeFile())
    }
    return new FakeFileHandle(this, name)
  }

  async removeEntry(name: string): Promise<void> {
    const e = this.children.get(name)
    if (e === undefined) throw domError('NotFoundError', `no ${name}`)
    if (e instanceof FakeFile && e.locked) throw domError('NoModificationAllowedError', `${name} has an open access handle`)
    if (e instanceof FakeDirectory && e.children.size > 0) throw domError('InvalidModificationError', `${name} is not empty`)
    this.children.delete(name)
  }

  async *entries(): AsyncIterableIterator<[string, OpfsFileHandle | OpfsDirectoryHandle]> {
    for (const [name, e] of [...this.children]) yield [name, e instanceof FakeDirectory ? e : new FakeFileHandle(this, name)]
  }

  /** Locks every file below, as a worker that died holding its handles; returns the release. */
  holdAll(): () => void {
    const held: FakeFile[] = []
    const walk = (d: FakeDirectory): void => {
      for (const e of d.children.values()) {
        if (e instanceof FakeDirectory) walk(e)
        else if (!e.locked) {
          e.locked = true
          held.push(e)
        }
      }
    }
    walk(this)
    return () => held.forEach((f) => (f.locked = false))
  }
}
