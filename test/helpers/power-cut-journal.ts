// The journal a PowerCutFileSystem writes (power-cut-file-system.ts), and the model that
// replays it: what a power cut after any prefix of the journal would leave on the disk. The
// model is the one MemoryFileSystem uses (memory-file-system.ts): a file keeps the bytes it
// had when its last completed sync began; a directory keeps the entries (creations, renames,
// removals) it had when the latest-begun of its completed syncDirs began (real syncs, unlike
// the in-memory ones, overlap: two threads sync the same directory); directories survive;
// with a tear, each file also keeps part of its unsynced tail. Creating a path makes a new
// file (inode), so a name a synced directory still holds keeps its old contents.
//
// A record is one frame: u32 header length, u32 data length (little-endian), the header as
// JSON, then the data (the bytes of an append). Paths are relative to the journal's root, so
// an image can be built in any directory.

import { mkdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'

export type Thread = 'main' | 'worker'

export type JournalHeader =
  | { op: 'mkdir'; thread: Thread; path: string }
  | { op: 'create'; thread: Thread; path: string; file: string }
  | { op: 'append'; thread: Thread; file: string }
  /** A sync of `file` that completed; it covered the first `length` bytes, those there when it began. */
  | { op: 'sync'; thread: Thread; file: string; path: string; length: number }
  | { op: 'rename'; thread: Thread; path: string; to: string }
  | { op: 'remove'; thread: Thread; path: string }
  /** A syncDir began: the entries of `path` now are those its end (same `token`) makes durable. */
  | { op: 'syncDirBegin'; thread: Thread; path: string; token: string }
  | { op: 'syncDirEnd'; thread: Thread; path: string; token: string }
  /** A test's marker (a write issued, one acknowledged); no file changes. */
  | { op: 'note'; thread: Thread; label: string; n: number }

export interface JournalRecord {
  header: JournalHeader
  data: Uint8Array
}

const EMPTY = new Uint8Array(0)

/**
 * Appends one record with one write(2) on a descriptor opened for append ('a'): the kernel
 * places each such write whole at the end of the file, so records from both threads never
 * interleave, and their order is the order the operations took effect in.
 */
export function appendRecord(fd: number, header: JournalHeader, data: Uint8Array = EMPTY): void {
  const json = Buffer.from(JSON.stringify(header))
  const frame = Buffer.allocUnsafe(8 + json.length + data.length)
  frame.writeUInt32LE(json.length, 0)
  frame.writeUInt32LE(data.length, 4)
  json.copy(frame, 8)
  frame.set(data, 8 + json.length)
  const written = writeSync(fd, frame)
  if (written !== frame.length) throw new Error(`power-cut journal: short write (${written} of ${frame.length} bytes)`)
}

export function readJournal(path: string): JournalRecord[] {
  const bytes = readFileSync(path)
  const records: JournalRecord[] = []
  for (let at = 0; at < bytes.length; ) {
    if (at + 8 > bytes.length) throw new Error(`power-cut journal ${path}: torn frame at ${at}`)
    const headerLength = bytes.readUInt32LE(at)
    const dataLength = bytes.readUInt32LE(at + 4)
    const end = at + 8 + headerLength + dataLength
    if (end > bytes.length) throw new Error(`power-cut journal ${path}: torn frame at ${at}`)
    const header = JSON.parse(bytes.toString('utf8', at + 8, at + 8 + headerLength)) as JournalHeader
    records.push({ header, data: bytes.subarray(at + 8 + headerLength, end) })
    at = end
  }
  return records
}

class Inode {
  readonly #chunks: Uint8Array[] = []
  length = 0
  synced = 0

  append(data: Uint8Array): void {
    this.#chunks.push(data)
    this.length += data.length
  }

  prefix(length: number): Buffer {
    return Buffer.concat(this.#chunks).subarray(0, length)
  }
}

/** The durable state after the records applied so far. */
export class DurableState {
  readonly #inodes = new Map<string, Inode>()
  /** Current view: path → file. */
  readonly #live = new Map<string, string>()
  /** What a power cut would keep: path → file, as of each directory's last completed sync. */
  readonly #durable = new Map<string, string>()
  readonly #dirs = new Set<string>()
  /** Entries of a directory as its syncDir began (and when: a record count), until that sync ends. */
  readonly #dirSyncs = new Map<string, { began: number; entries: [string, string][] }>()
  /** Per directory: when the syncDir began whose snapshot `#durable` holds. */
  readonly #durableAsOf = new Map<string, number>()
  #applied = 0

  apply(record: JournalRecord): void {
    this.#apply(record)
    this.#applied++
  }

  #apply({ header: h, data }: JournalRecord): void {
    switch (h.op) {
      case 'mkdir':
        for (let d = h.path; d !== '.' && !this.#dirs.has(d); d = dirname(d)) this.#dirs.add(d)
        return
      case 'create':
        this.#inodes.set(h.file, new Inode())
        this.#live.set(h.path, h.file)
        return
      case 'append':
        this.#inode(h.file).append(data)
        return
      case 'sync': {
        const inode = this.#inode(h.file)
        inode.synced = Math.max(inode.synced, h.length)
        return
      }
      case 'rename': {
        const file = this.#live.get(h.path)
        if (file === undefined) throw new Error(`power-cut journal: rename of ${h.path}, which does not exist`)
        this.#live.delete(h.path)
        this.#live.set(h.to, file)
        return
      }
      case 'remove':
        this.#live.delete(h.path)
        return
      case 'syncDirBegin':
        this.#dirSyncs.set(h.token, { began: this.#applied, entries: [...this.#live].filter(([p]) => dirname(p) === h.path) })
        return
      case 'syncDirEnd': {
        const sync = this.#dirSyncs.get(h.token)
        if (sync === undefined) throw new Error(`power-cut journal: syncDir ${h.token} ended without beginning`)
        this.#dirSyncs.delete(h.token)
        // Overlapping syncs: one that began before the sync already completed adds nothing,
        // and must not take back what that one made durable.
        if (sync.began < (this.#durableAsOf.get(h.path) ?? -1)) return
        this.#durableAsOf.set(h.path, sync.began)
        for (const p of [...this.#durable.keys()]) if (dirname(p) === h.path) this.#durable.delete(p)
        for (const [p, file] of sync.entries) this.#durable.set(p, file)
        return
      }
      case 'note':
        return
    }
  }

  /**
   * Writes the disk as a power cut now would leave it into `root`: the directories, and each
   * durable entry with its synced bytes; with `tear`, plus the first tear(n) of its n
   * unsynced bytes (as MemoryFileSystem.crash).
   */
  materialize(root: string, tear?: (unsyncedBytes: number) => number): void {
    mkdirSync(root, { recursive: true })
    for (const d of this.#dirs) mkdirSync(join(root, d), { recursive: true })
    for (const [p, file] of this.#durable) {
      const inode = this.#inode(file)
      const unsynced = inode.length - inode.synced
      const keep = inode.synced + (tear === undefined ? 0 : Math.min(tear(unsynced), unsynced))
      writeFileSync(join(root, p), inode.prefix(keep))
    }
  }

  #inode(file: string): Inode {
    const inode = this.#inodes.get(file)
    if (inode === undefined) throw new Error(`power-cut journal: unknown file ${file}`)
    return inode
  }
}
