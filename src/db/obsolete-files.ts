// Deletes files that no live version, log or manifest needs any more: tables replaced by
// flushes or orphaned by a crash mid-flush, logs whose memtables are in tables, old
// manifests and temp files. Files Shale does not own are left alone. ObsoleteFileCollector
// runs it for an open database, after every flush and compaction.

import { join } from 'node:path'
import { parseFileName } from '../base/file-names.js'
import type { TableCache } from '../table/table-cache.js'
import type { VersionSet } from '../version/version-set.js'
import type { FileSystem } from '../vfs/file-system.js'

export interface LiveFiles {
  /** Tables some version references (or a failed MANIFEST write may have recorded), plus tables being written right now. */
  tables: Set<number>
  /** Logs at or above this number may still hold unflushed writes. */
  minLogNumber: number
  manifestNumber: number
}

/** Returns the names removed. */
export function deleteObsoleteFiles(fs: FileSystem, dir: string, live: LiveFiles): string[] {
  const removed: string[] = []
  // Oldest first: a crash part-way then never leaves a log gone while an older one, which
  // a stale MANIFEST would take as live, survives (docs/format.md#file-numbers).
  const byNumber = (a: string, b: string): number => (parseFileName(a)?.number ?? 0) - (parseFileName(b)?.number ?? 0)
  for (const name of fs.list(dir).sort(byNumber)) {
    const f = parseFileName(name)
    if (f === undefined) continue
    const obsolete =
      (f.kind === 'table' && !live.tables.has(f.number)) ||
      (f.kind === 'log' && f.number < live.minLogNumber) ||
      // A higher-numbered MANIFEST or temp file may be one being written right now.
      (f.kind === 'manifest' && f.number < live.manifestNumber) ||
      (f.kind === 'temp' && f.number <= live.manifestNumber)
    if (!obsolete) continue
    fs.remove(join(dir, name))
    removed.push(name)
  }
  return removed
}

/**
 * Deletes a database's obsolete files, protecting the outputs of flushes and compactions
 * still being written (no version lists them yet) and the logs of memtables not yet flushed.
 */
export class ObsoleteFileCollector {
  readonly #fs: FileSystem
  readonly #dir: string
  readonly #versions: VersionSet
  readonly #tables: TableCache
  /** The lowest log number a memtable not yet in a table still needs (the immutable one's). */
  readonly #unflushedLog: () => number
  /** Numbers of tables being written. */
  readonly #pendingOutputs = new Set<number>()
  /** A collect scheduled by collectSoon, and the promise its run settles. */
  #soon: { timer: ReturnType<typeof setImmediate>; settled: Promise<void>; done: () => void } | undefined

  constructor(fs: FileSystem, dir: string, versions: VersionSet, tables: TableCache, unflushedLog: () => number) {
    this.#fs = fs
    this.#dir = dir
    this.#versions = versions
    this.#tables = tables
    this.#unflushedLog = unflushedLog
  }

  /** A table number about to be written: kept until release(), whether or not a version lists it. */
  protect(number: number): void {
    this.#pendingOutputs.add(number)
  }

  release(number: number): void {
    this.#pendingOutputs.delete(number)
  }

  /**
   * Collects on a later turn of the event loop, once however many versions were released in
   * this one: a version an iterator pinned past a compaction holds the compaction's inputs
   * until then. Nothing happens once the database is closing. A failure here is not an
   * error of any write: the files stay and the next collect tries again.
   */
  collectSoon(isClosed: () => boolean): void {
    if (this.#soon !== undefined) return
    let done!: () => void
    const settled = new Promise<void>((resolve) => (done = resolve))
    const timer = setImmediate(() => {
      this.#soon = undefined
      try {
        if (!isClosed()) this.collect()
      } catch {
        // Left for the collect after the next flush or compaction.
      } finally {
        done()
      }
    })
    this.#soon = { timer, settled, done }
  }

  /** Resolves once a collect scheduled by collectSoon has run (or was cancelled). */
  settled(): Promise<void> {
    return this.#soon?.settled ?? Promise.resolve()
  }

  /** For close: a collect scheduled by collectSoon does not run. */
  cancel(): void {
    if (this.#soon === undefined) return
    clearImmediate(this.#soon.timer)
    this.#soon.done()
    this.#soon = undefined
  }

  collect(): void {
    const tables = this.#versions.liveTableNumbers()
    for (const n of this.#pendingOutputs) tables.add(n)
    const minLogNumber = Math.min(this.#versions.logNumber, this.#unflushedLog())
    const removed = deleteObsoleteFiles(this.#fs, this.#dir, { tables, minLogNumber, manifestNumber: this.#versions.manifestNumber })
    for (const name of removed) {
      const f = parseFileName(name)
      if (f?.kind === 'table') this.#tables.evict(f.number)
    }
  }
}
