// The real disk, under a temp directory, with a journal from which a test can rebuild what
// a power cut at any moment would have left: the power-loss simulation that reaches
// compactions in the worker thread (MemoryFileSystem cannot cross threads).
//
// Both threads do their I/O through node:fs, so each sees the other's files, and append
// every change (create, append, completed sync, rename, remove, syncDir begin and end) to
// one journal file in the root, opened for append in each thread. A record is written in
// the same synchronous step as the change it describes, after it, and before anything the
// thread does next, including posting a message to the other thread. So the journal is one
// order of all changes that agrees with each thread's order and with every message between
// them: an order the disk could have applied them in. A sync counts from when it completes
// and covers the bytes there when it began; a syncDir likewise. The test cuts the journal
// after its Nth record and lets DurableState (power-cut-journal.ts) build the durable image
// into a fresh directory; the live directory is only for the run itself.
//
// The worker gets its copy through forWorker: it imports this module and calls
// createFileSystem({ root }), which opens the same journal.

import { closeSync, openSync } from 'node:fs'
import { join, relative } from 'node:path'
import { isMainThread, threadId } from 'node:worker_threads'
import type { CreateOptions, FileLock, FileSystem, RandomAccessFile, WorkerFileSystemSpec, WritableFile } from '../../src/vfs/file-system.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'
import { appendRecord, type JournalHeader, type Thread } from './power-cut-journal.js'

export const journalPath = (root: string): string => join(root, 'power-cut.journal')

/** Names files and directory syncs uniquely across every instance in every thread. */
let nextId = 1
const uniqueId = (): string => `${threadId}.${nextId++}`

export class PowerCutFileSystem implements FileSystem {
  readonly forWorker: WorkerFileSystemSpec
  readonly #root: string
  readonly #journal: number
  readonly #disk = new NodeFileSystem()
  readonly #thread: Thread = isMainThread ? 'main' : 'worker'

  /** Journals every change under `root` into root/power-cut.journal (appending, if it exists). */
  constructor(root: string) {
    this.#root = root
    this.#journal = openSync(journalPath(root), 'a')
    this.forWorker = { module: import.meta.url, config: { root } }
  }

  /** Records a test's marker (a write issued, one acknowledged) at this point of the journal. */
  note(label: string, n: number): void {
    this.#record({ op: 'note', thread: this.#thread, label, n })
  }

  /** Closes the journal; this thread's instance records nothing more. */
  closeJournal(): void {
    closeSync(this.#journal)
  }

  mkdir(dir: string): void {
    this.#disk.mkdir(dir)
    this.#record({ op: 'mkdir', thread: this.#thread, path: this.#relative(dir) })
  }

  stat(path: string): 'file' | 'directory' | undefined {
    return this.#disk.stat(path)
  }

  list(dir: string): string[] {
    return this.#disk.list(dir)
  }

  create(path: string, options?: CreateOptions): WritableFile {
    const file = this.#disk.create(path, options)
    const id = uniqueId()
    const rel = this.#relative(path)
    this.#record({ op: 'create', thread: this.#thread, path: rel, file: id })
    const record = (header: JournalHeader, data?: Uint8Array): void => this.#record(header, data)
    const thread = this.#thread
    return {
      get size() {
        return file.size
      },
      append(data) {
        const before = file.size
        try {
          file.append(data)
        } finally {
          // A failed append may have written part of the data: journal what reached the file.
          if (file.size > before) record({ op: 'append', thread, file: id }, data.subarray(0, file.size - before))
        }
      },
      async sync() {
        const length = file.size
        await file.sync()
        record({ op: 'sync', thread, file: id, path: rel, length })
      },
      close() {
        file.close()
      },
    }
  }

  openRead(path: string): RandomAccessFile {
    return this.#disk.openRead(path)
  }

  readAll(path: string): Uint8Array {
    return this.#disk.readAll(path)
  }

  rename(from: string, to: string): void {
    this.#disk.rename(from, to)
    this.#record({ op: 'rename', thread: this.#thread, path: this.#relative(from), to: this.#relative(to) })
  }

  remove(path: string): void {
    this.#disk.remove(path)
    this.#record({ op: 'remove', thread: this.#thread, path: this.#relative(path) })
  }

  async syncDir(dir: string): Promise<void> {
    const token = uniqueId()
    const path = this.#relative(dir)
    this.#record({ op: 'syncDirBegin', thread: this.#thread, path, token })
    await this.#disk.syncDir(dir)
    this.#record({ op: 'syncDirEnd', thread: this.#thread, path, token })
  }

  lock(path: string): FileLock {
    // The lock is not data: nothing of it needs to survive a power cut.
    return this.#disk.lock(path)
  }

  #record(header: JournalHeader, data?: Uint8Array): void {
    appendRecord(this.#journal, header, data)
  }

  #relative(path: string): string {
    const rel = relative(this.#root, path)
    if (rel === '' || rel.startsWith('..')) throw new Error(`PowerCutFileSystem: ${path} is outside its root ${this.#root}`)
    return rel
  }
}

/** Called in the compaction worker, once per root. */
export function createFileSystem(config: unknown): FileSystem {
  return new PowerCutFileSystem((config as { root: string }).root)
}
