// The FileSystem of the browser: the origin private file system (OPFS) through
// FileSystemSyncAccessHandle, which a dedicated Web Worker can read, write and flush
// synchronously. Directory operations (list, create, rename, remove) exist only as
// promises, and the engine's seam is synchronous for them, so this keeps a mirror of each
// database directory in memory:
//
// - mount(dir) loads the directory's entries before a database there is opened;
// - lock(dir/LOCK) takes the LOCK file's sync access handle (exclusive, so it is the
//   directory lock) and then one sync access handle for every file in the directory, held
//   until the lock is released: a file's handle serves its writer and all its readers;
// - create, rename and remove change the mirror at once and queue the OPFS operation;
//   the queue runs them in order, and syncDir(dir) resolves once what was queued before it
//   is done. A file created here takes appends before its handle is open (they are kept in
//   memory and written when it opens); its sync() waits for the handle.
//
// Durability: flush() of a sync access handle is the fsync. A directory has no flush: an
// entry created, renamed or removed is as durable as the browser makes it once its promise
// settles, which is what syncDir waits for. See docs/design.md#the-browser.

import { ShaleError, errorMessage } from '../errors.js'
import type { FileLock, FileSystem, RandomAccessFile, WritableFile } from './file-system.js'
import { currentHost, type OpfsDirectoryHandle, type OpfsFileHandle, type OpfsHost, type SyncAccessHandle } from './opfs-types.js'

export interface OpfsOptions {
  /**
   * How long lock() keeps trying to take a database's access handles before it throws
   * LOCKED. A worker that was terminated leaves its handles open until the browser notices
   * (Chromium: soon after, not at once), so an open right after must wait for them.
   */
  lockTimeoutMs?: number
  /** The directory paths are resolved in (default: the origin's OPFS root). */
  root?: OpfsDirectoryHandle
  /** For tests: stands in for the browser's navigator.storage and sync access handle support. */
  host?: OpfsHost
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000
/** Between attempts at a handle another worker (or a dead one) still holds. */
const RETRY_MS = 50

class DirNode {
  readonly kind = 'directory'
  /** Undefined while its creation is queued. */
  handle: OpfsDirectoryHandle | undefined
  readonly children = new Map<string, DirNode | FileNode>()
  /** Whether children lists every entry (mounted or created here), not just those on a path walked. */
  listed: boolean
  /** Set while this worker holds the directory's lock: the mirror is then the truth. */
  held = false

  constructor(handle: OpfsDirectoryHandle | undefined, listed: boolean) {
    this.handle = handle
    this.listed = listed
  }
}

class FileNode {
  readonly kind = 'file'
  handle: OpfsFileHandle | undefined
  /** The sync access handle, while open. */
  access: SyncAccessHandle | undefined
  /**
   * The file's bytes kept in memory while it has no handle: appends to a file whose handle is
   * still opening, or all of a renamed file's bytes until it reopens under its new name.
   */
  shadow: Uint8Array | undefined
  size = 0
  /** Settles when a queued open of the handle has finished (or failed). */
  ready: Promise<void> = Promise.resolve()
  /** Removed, renamed over or released while an open was queued: close the handle when it arrives. */
  detached = false

  constructor(handle: OpfsFileHandle | undefined) {
    this.handle = handle
  }

  appendShadow(data: Uint8Array): void {
    const have = this.shadow ?? new Uint8Array(0)
    const used = this.size
    if (used + data.length > have.length) {
      const grown = new Uint8Array(Math.max(used + data.length, have.length * 2, 4096))
      grown.set(have.subarray(0, used))
      this.shadow = grown
    }
    this.shadow!.set(data, used)
  }
}

function parts(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0 && p !== '.')
}

function domName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : undefined
}

/** A DOMException (or anything thrown) as a ShaleError: a full quota is NO_SPACE, as ENOSPC is on Node. */
function opfsError(action: string, cause: unknown): ShaleError {
  if (cause instanceof ShaleError) return cause
  const name = domName(cause)
  if (name === 'QuotaExceededError') return new ShaleError('NO_SPACE', `Cannot ${action}: the origin's storage quota is used up (${errorMessage(cause)})`, { cause })
  if (name === 'NotFoundError') return new ShaleError('NOT_FOUND', `Cannot ${action}: ${errorMessage(cause)}`, { cause })
  return new ShaleError('IO', `Cannot ${action}: ${errorMessage(cause)}`, { cause })
}

/** Directories locked by any OpfsFileSystem of this worker: a second lock fails at once, as on Node. */
const heldHere = new Set<string>()
/** Names for the roots given as options (the origin's own root is ''), to key heldHere. */
const rootIds = new WeakMap<OpfsDirectoryHandle, number>()
let nextRootId = 1

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Opens a sync access handle, retrying while someone else holds it, until `deadline`; then LOCKED. */
async function openAccess(handle: OpfsFileHandle, path: string, deadline: number, holder: string): Promise<SyncAccessHandle> {
  const started = Date.now()
  for (;;) {
    try {
      return await handle.createSyncAccessHandle()
    } catch (err) {
      // What Chromium throws while another handle on the file is open.
      if (domName(err) !== 'NoModificationAllowedError') throw opfsError(`open ${path}`, err)
      if (Date.now() >= deadline) {
        throw new ShaleError('LOCKED', `Cannot lock ${holder}: ${path} is held by another worker (or by one that was terminated, whose handles the browser has not released yet); gave up after ${Date.now() - started} ms`, { cause: err })
      }
      await sleep(RETRY_MS)
    }
  }
}

class OpfsRandomAccessFile implements RandomAccessFile {
  readonly #node: FileNode
  readonly #path: string
  readonly size: number

  constructor(node: FileNode, path: string) {
    this.#node = node
    this.#path = path
    this.size = node.size
  }

  read(offset: number, length: number): Uint8Array {
    const node = this.#node
    const available = Math.max(0, Math.min(length, node.size - offset))
    const out = new Uint8Array(length)
    let done = 0
    if (node.access !== undefined) {
      try {
        while (done < available) {
          const n = node.access.read(out.subarray(done, available), { at: offset + done })
          if (n === 0) break
          done += n
        }
      } catch (err) {
        throw opfsError(`read ${length} bytes at offset ${offset} of ${this.#path}`, err)
      }
    } else if (node.shadow !== undefined) {
      out.set(node.shadow.subarray(offset, offset + available))
      done = available
    } else {
      throw new ShaleError('IO', `Cannot read ${this.#path}: it is not open (OPFS files open with their directory's lock, so read-only opens beside a writer are not supported)`)
    }
    if (done < length) {
      throw new ShaleError('CORRUPTION', `Corruption in ${this.#path}: wanted ${length} bytes at offset ${offset}, file ends at ${offset + done}`)
    }
    return out
  }

  close(): void {
    // The handle stays open for the directory's other users; the lock's release closes it.
  }
}

class OpfsWritableFile implements WritableFile {
  readonly #node: FileNode
  readonly #path: string

  constructor(node: FileNode, path: string) {
    this.#node = node
    this.#path = path
  }

  get size(): number {
    return this.#node.size
  }

  append(data: Uint8Array): void {
    const node = this.#node
    if (node.access === undefined) {
      node.appendShadow(data)
      node.size += data.length
      return
    }
    let done = 0
    try {
      while (done < data.length) {
        const n = node.access.write(done === 0 ? data : data.subarray(done), { at: node.size + done })
        if (n === 0) throw new Error('the write made no progress')
        done += n
      }
    } catch (err) {
      node.size += done
      throw opfsError(`append ${data.length} bytes to ${this.#path}`, err)
    }
    node.size += done
  }

  async sync(): Promise<void> {
    const node = this.#node
    await node.ready
    if (node.access === undefined) throw new ShaleError('IO', `Cannot sync ${this.#path}: its access handle is not open`)
    try {
      node.access.flush()
    } catch (err) {
      throw opfsError(`sync ${this.#path}`, err)
    }
  }

  close(): void {
    // As for reads: the handle belongs to the directory's lock.
  }
}

export class OpfsFileSystem implements FileSystem {
  readonly #lockTimeoutMs: number
  readonly #host: OpfsHost
  readonly #rootHandle: OpfsDirectoryHandle | undefined
  #root: DirNode | undefined
  /** The directory operations not yet done, in order. */
  #queue: Promise<void> = Promise.resolve()
  /** The first queued operation that failed: every later syncDir and sync reports it. */
  #failure: ShaleError | undefined

  constructor(options: OpfsOptions = {}) {
    this.#lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
    this.#host = options.host ?? currentHost()
    this.#rootHandle = options.root
  }

  /** Checks the browser has what Shale needs and loads the entries of `dir` (and the path to it). */
  async mount(dir: string): Promise<void> {
    const root = await this.#rootNode()
    await this.#settled()
    let node: DirNode = root
    for (const name of parts(dir)) {
      let child = node.children.get(name)
      if (child === undefined && !node.listed) child = await this.#lookup(node, name)
      if (child === undefined || child.kind === 'file') return
      node = child
    }
    if (!node.held) await this.#list(node, dir)
  }

  #rootKey(): string {
    const root = this.#rootHandle
    if (root === undefined) return ''
    let id = rootIds.get(root)
    if (id === undefined) rootIds.set(root, (id = nextRootId++))
    return `root${id}`
  }

  async #rootNode(): Promise<DirNode> {
    if (this.#root !== undefined) return this.#root
    const host = this.#host
    if (this.#rootHandle === undefined && host.getDirectory === undefined) {
      throw new ShaleError('UNSUPPORTED', 'Cannot open a database: this browser has no origin private file system (navigator.storage.getDirectory); Shale needs a current Chromium, Firefox or Safari, on a secure (https or localhost) page')
    }
    if (!host.hasSyncAccessHandles) {
      throw new ShaleError('UNSUPPORTED', 'Cannot open a database here: FileSystemSyncAccessHandle is missing; run Shale in a dedicated Web Worker (new Worker(url, { type: "module" })), since the page itself and shared or service workers have no synchronous file access')
    }
    let handle: OpfsDirectoryHandle
    try {
      handle = this.#rootHandle ?? (await host.getDirectory!())
    } catch (err) {
      throw new ShaleError('UNSUPPORTED', `Cannot open the origin private file system: ${errorMessage(err)}`, { cause: err })
    }
    return (this.#root ??= new DirNode(handle, false))
  }

  async #lookup(parent: DirNode, name: string): Promise<DirNode | FileNode | undefined> {
    try {
      const child = new DirNode(await parent.handle!.getDirectoryHandle(name), false)
      parent.children.set(name, child)
      return child
    } catch (err) {
      if (domName(err) === 'NotFoundError') return undefined
      if (domName(err) !== 'TypeMismatchError') throw opfsError(`look up ${name}`, err)
    }
    const file = new FileNode(await parent.handle!.getFileHandle(name))
    parent.children.set(name, file)
    return file
  }

  /** Replaces the mirror of `node` with the directory's current entries. */
  async #list(node: DirNode, path: string): Promise<void> {
    const fresh = new Map<string, DirNode | FileNode>()
    try {
      for await (const [name, handle] of node.handle!.entries()) {
        const known = node.children.get(name)
        if (handle.kind === 'directory') fresh.set(name, known?.kind === 'directory' ? known : new DirNode(handle, false))
        else fresh.set(name, new FileNode(handle))
      }
    } catch (err) {
      throw opfsError(`list ${path}`, err)
    }
    node.children.clear()
    for (const [name, child] of fresh) node.children.set(name, child)
    node.listed = true
  }

  #find(path: string): DirNode | FileNode | undefined {
    let node: DirNode | FileNode | undefined = this.#root
    for (const name of parts(path)) {
      if (node === undefined || node.kind === 'file') return undefined
      node = node.children.get(name)
    }
    return node
  }

  #parent(path: string): { dir: DirNode; name: string } {
    const p = parts(path)
    const name = p.pop()
    const dir = this.#find(p.join('/'))
    if (name === undefined || dir === undefined || dir.kind !== 'directory') {
      throw new ShaleError('NOT_FOUND', `Cannot use ${path}: its directory does not exist (or was never mounted)`)
    }
    return { dir, name }
  }

  #enqueue(action: string, op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(async () => {
      if (this.#failure !== undefined) return
      try {
        await op()
      } catch (err) {
        this.#failure = opfsError(action, err)
      }
    })
    this.#queue = run
    return run
  }

  /** Waits for the queued operations; rejects if one failed. */
  async #settled(): Promise<void> {
    await this.#queue
    if (this.#failure !== undefined) throw this.#failure
  }

  mkdir(dir: string): void {
    let node = this.#root
    if (node === undefined) throw new ShaleError('IO', `Cannot create directory ${dir}: the file system is not mounted`)
    for (const name of parts(dir)) {
      const child: DirNode | FileNode | undefined = node.children.get(name)
      if (child?.kind === 'file') throw new ShaleError('IO', `Cannot create directory ${dir}: ${name} is a file`)
      if (child !== undefined) {
        node = child
        continue
      }
      const parent: DirNode = node
      const created = new DirNode(undefined, true)
      parent.children.set(name, created)
      void this.#enqueue(`create directory ${dir}`, async () => {
        created.handle = await parent.handle!.getDirectoryHandle(name, { create: true })
      })
      node = created
    }
  }

  stat(path: string): 'file' | 'directory' | undefined {
    return this.#find(path)?.kind
  }

  list(dir: string): string[] {
    const node = this.#find(dir)
    if (node === undefined) throw new ShaleError('NOT_FOUND', `Cannot list ${dir}: no such directory`)
    if (node.kind === 'file') throw new ShaleError('IO', `Cannot list ${dir}: it is a file`)
    if (!node.listed) throw new ShaleError('IO', `Cannot list ${dir}: it was not mounted`)
    return [...node.children.keys()]
  }

  create(path: string): WritableFile {
    const { dir, name } = this.#parent(path)
    const existing = dir.children.get(name)
    if (existing?.kind === 'directory') throw new ShaleError('IO', `Cannot create ${path}: it is a directory`)
    if (existing?.access !== undefined) {
      // Already open (held with the lock): truncate it in place.
      try {
        existing.access.truncate(0)
      } catch (err) {
        throw opfsError(`create ${path}`, err)
      }
      existing.size = 0
      return new OpfsWritableFile(existing, path)
    }
    if (existing !== undefined) existing.detached = true
    const node = new FileNode(undefined)
    node.shadow = new Uint8Array(0)
    dir.children.set(name, node)
    node.ready = this.#enqueue(`create ${path}`, async () => {
      node.handle = await dir.handle!.getFileHandle(name, { create: true })
      await this.#openHandle(node, path, Date.now() + this.#lockTimeoutMs, true)
    })
    return new OpfsWritableFile(node, path)
  }

  /** Opens the node's handle (emptying the file, for a create) and writes what was kept in memory meanwhile. */
  async #openHandle(node: FileNode, path: string, deadline: number, truncate = false): Promise<void> {
    const access = await openAccess(node.handle!, path, deadline, path)
    if (node.detached) {
      access.close()
      return
    }
    if (truncate) access.truncate(0)
    const onDisk = access.getSize()
    if (node.shadow !== undefined && node.size > onDisk) {
      const tail = node.shadow.subarray(onDisk, node.size)
      let done = 0
      while (done < tail.length) done += access.write(tail.subarray(done), { at: onDisk + done })
    }
    node.access = access
    node.shadow = undefined
    node.size = Math.max(node.size, onDisk)
  }

  openRead(path: string): RandomAccessFile {
    const node = this.#find(path)
    if (node === undefined) throw new ShaleError('NOT_FOUND', `Cannot open ${path} for reading: no such file`)
    if (node.kind === 'directory') throw new ShaleError('IO', `Cannot open ${path} for reading: it is a directory`)
    return new OpfsRandomAccessFile(node, path)
  }

  readAll(path: string): Uint8Array {
    const file = this.openRead(path)
    return file.read(0, file.size)
  }

  rename(from: string, to: string): void {
    const src = this.#parent(from)
    const dst = this.#parent(to)
    const node = src.dir.children.get(src.name)
    if (node === undefined) throw new ShaleError('NOT_FOUND', `Cannot rename ${from} to ${to}: no such file`)
    if (node.kind === 'directory') throw new ShaleError('IO', `Cannot rename ${from}: renaming directories is not supported`)
    const replaced = dst.dir.children.get(dst.name)
    if (replaced?.kind === 'directory') throw new ShaleError('IO', `Cannot rename ${from} to ${to}: ${to} is a directory`)
    // OPFS moves only a file without an open handle: keep its bytes in memory meanwhile, so
    // reads go on, and reopen it under its new name.
    if (node.access !== undefined) {
      const bytes = new Uint8Array(node.size)
      try {
        node.access.read(bytes, { at: 0 })
        node.access.close()
      } catch (err) {
        throw opfsError(`rename ${from} to ${to}`, err)
      }
      node.access = undefined
      node.shadow = bytes
    }
    if (replaced !== undefined) this.#detach(replaced)
    src.dir.children.delete(src.name)
    dst.dir.children.set(dst.name, node)
    const held = dst.dir.held
    node.ready = this.#enqueue(`rename ${from} to ${to}`, async () => {
      // A create queued before this may have opened the handle since.
      if (node.access !== undefined) {
        const bytes = new Uint8Array(node.size)
        node.access.read(bytes, { at: 0 })
        node.access.close()
        node.access = undefined
        node.shadow = bytes
      }
      const handle = node.handle!
      if (handle.move === undefined) throw new ShaleError('UNSUPPORTED', 'This browser cannot rename a file in the origin private file system (FileSystemFileHandle.move)')
      await handle.move(dst.dir.handle!, dst.name)
      node.handle = await dst.dir.handle!.getFileHandle(dst.name)
      if (held && !node.detached) await this.#openHandle(node, to, Date.now() + this.#lockTimeoutMs)
    })
  }

  /** Closes a file's handle now; it is no longer in the mirror (removed or renamed over). */
  #detach(node: FileNode): void {
    node.detached = true
    try {
      node.access?.close()
    } catch {
      // A handle that cannot close is one the browser already dropped.
    }
    node.access = undefined
  }

  remove(path: string): void {
    const { dir, name } = this.#parent(path)
    const node = dir.children.get(name)
    if (node === undefined) return
    if (node.kind === 'directory') throw new ShaleError('IO', `Cannot remove ${path}: it is a directory`)
    this.#detach(node)
    dir.children.delete(name)
    void this.#enqueue(`remove ${path}`, async () => {
      try {
        await dir.handle!.removeEntry(name)
      } catch (err) {
        if (domName(err) !== 'NotFoundError') throw err
      }
    })
  }

  syncDir(_dir: string): Promise<void> {
    return this.#settled()
  }

  /**
   * Takes the directory's lock: the LOCK file's exclusive sync access handle, then one for
   * every other file there, trying for lockTimeoutMs while another worker (or a terminated
   * one the browser has not cleaned up yet) holds them; LOCKED after that.
   */
  async lock(path: string): Promise<FileLock> {
    await this.#settled()
    const { dir, name } = this.#parent(path)
    const dirPath = parts(path).slice(0, -1).join('/')
    const heldKey = `${this.#rootKey()}:${dirPath}`
    if (dir.held || heldHere.has(heldKey)) throw new ShaleError('LOCKED', `Cannot lock /${dirPath}: this worker already has it open`)
    const deadline = Date.now() + this.#lockTimeoutMs
    let lockHandle: OpfsFileHandle
    try {
      lockHandle = await dir.handle!.getFileHandle(name, { create: true })
    } catch (err) {
      throw opfsError(`create ${path}`, err)
    }
    if (heldHere.has(heldKey)) throw new ShaleError('LOCKED', `Cannot lock /${dirPath}: this worker already has it open`)
    heldHere.add(heldKey)
    let lockAccess: SyncAccessHandle
    try {
      lockAccess = await openAccess(lockHandle, path, deadline, `/${dirPath}`)
    } catch (err) {
      heldHere.delete(heldKey)
      throw err
    }
    dir.held = true
    const release = (): void => {
      dir.held = false
      heldHere.delete(heldKey)
      for (const child of dir.children.values()) if (child.kind === 'file') this.#detach(child)
      try {
        lockAccess.close()
      } catch {
        // Already dropped by the browser.
      }
      // The mirror is reloaded from OPFS by the next mount.
      dir.listed = false
    }
    try {
      // The directory as it is now that no one else can change it.
      await this.#list(dir, `/${dirPath}`)
      const lockNode = new FileNode(lockHandle)
      lockNode.detached = true
      dir.children.set(name, lockNode)
      for (const [childName, child] of dir.children) {
        if (child.kind !== 'file' || childName === name) continue
        const at = `/${dirPath}/${childName}`
        child.access = await openAccess(child.handle!, at, deadline, `/${dirPath}`)
        child.size = child.access.getSize()
      }
    } catch (err) {
      release()
      throw err
    }
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        release()
      },
    }
  }
}
