// An immutable snapshot of which tables are live, per level. Readers (gets, iterators,
// snapshots) hold a reference; a table is deleted only when no referenced version lists it.
//
// Level 0 holds flushed memtables, whose key ranges may overlap; they are kept newest
// first. Levels 1 and deeper hold sorted, non-overlapping files, found by binary search.

import type { InternalIterator } from '../base/internal-iterator.js'
import type { FoundEntry } from '../base/found-entry.js'
import { NUM_LEVELS } from '../base/levels.js'
import type { RangeTombstoneSet } from '../base/range-tombstones.js'
import { compareBytes } from '../util/bytes.js'
import { bloomHash } from '../table/bloom.js'
import type { TableCache } from '../table/table-cache.js'
import type { SearchCounter } from '../table/table-reader.js'
import { fileContains, fileOverlaps, type FileMetadata } from './file-metadata.js'
import { findFile } from './find-file.js'
import { LevelIterator } from './level-iterator.js'
import type { CacheFill } from '../table/table-iterator.js'
import type { VersionEdit } from './version-edit.js'

/** Counts, for read amplification, the tables a read probed and those it had to search. */
export interface ReadCounter extends SearchCounter {
  /** Tables whose key range held the key: their bloom filter was checked. */
  tablesProbed: number
  /** Tables the filter did not rule out: a data block was searched. */
  tablesSearched: number
}

export class Version {
  readonly levels: readonly (readonly FileMetadata[])[]
  /** The tables holding range tombstones: reads take the plain path while this is empty. */
  readonly rangeDeletionFiles: readonly FileMetadata[]
  #refs = 0
  readonly #onUnused: (v: Version) => void

  constructor(levels: readonly (readonly FileMetadata[])[], onUnused: (v: Version) => void) {
    this.levels = levels
    this.#onUnused = onUnused
    this.rangeDeletionFiles = levels.flatMap((files) => files.filter((f) => (f.rangeDeletions ?? 0) > 0))
  }

  /** The newest range tombstone sequence <= seq covering key in any table; 0 when none. */
  maxCoveringTombstone(key: Uint8Array, seq: number, tables: TableCache): number {
    let max = 0
    for (const f of this.rangeDeletionFiles) {
      if (!fileContains(f, key)) continue
      const s = tables.rangeTombstones(f.number).maxCovering(key, seq)
      if (s > max) max = s
    }
    return max
  }

  /** The range tombstone sets of the tables overlapping [lower, upper] (either open), for an iterator. */
  rangeTombstoneSets(tables: TableCache, lower: Uint8Array | undefined, upper: Uint8Array | undefined): RangeTombstoneSet[] {
    const out: RangeTombstoneSet[] = []
    for (const f of this.rangeDeletionFiles) if (fileOverlaps(f, lower, upper)) out.push(tables.rangeTombstones(f.number))
    return out
  }

  ref(): void {
    this.#refs++
  }

  unref(): void {
    if (--this.#refs === 0) this.#onUnused(this)
  }

  /** A new version with the edit's deletions and additions applied. */
  apply(edit: VersionEdit, onUnused: (v: Version) => void): Version {
    const levels = this.levels.map((files) => [...files])
    for (const d of edit.deletedFiles) {
      const files = levels[d.level]!
      const i = files.findIndex((f) => f.number === d.number)
      if (i >= 0) files.splice(i, 1)
    }
    for (const { level, file } of edit.newFiles) levels[level]!.push(file)
    // Newest first in L0 (higher file numbers are newer); key order elsewhere.
    levels[0]!.sort((a, b) => b.number - a.number)
    for (let l = 1; l < NUM_LEVELS; l++) levels[l]!.sort((a, b) => compareBytes(a.smallestKey, b.smallestKey))
    return new Version(levels, onUnused)
  }

  fileCount(level: number): number {
    return this.levels[level]!.length
  }

  *allFiles(): Iterable<FileMetadata> {
    for (const files of this.levels) yield* files
  }

  /** The newest version of key with sequence <= seq across all tables, tombstones included. */
  get(key: Uint8Array, seq: number, tables: TableCache, counter: ReadCounter): FoundEntry | undefined {
    // Written without closures or arrays: this runs for every get that misses the memtables.
    // The key is hashed once for the bloom filters of every table it probes.
    let hash = -1
    const l0 = this.levels[0]!
    for (let i = 0; i < l0.length; i++) {
      const f = l0[i]!
      if (!fileContains(f, key)) continue
      counter.tablesProbed++
      if (hash < 0) hash = bloomHash(key)
      const hit = tables.get(f.number, key, seq, counter, hash)
      if (hit !== undefined) return hit
    }
    for (let level = 1; level < this.levels.length; level++) {
      const files = this.levels[level]!
      const f = files[findFile(files, key)]
      if (f === undefined || compareBytes(key, f.smallestKey) < 0) continue
      counter.tablesProbed++
      if (hash < 0) hash = bloomHash(key)
      const hit = tables.get(f.number, key, seq, counter, hash)
      if (hit !== undefined) return hit
    }
    return undefined
  }

  /** One cursor per L0 table (newest first), then one per deeper level. */
  iterators(tables: TableCache, fill: CacheFill = 'all'): InternalIterator[] {
    const out: InternalIterator[] = []
    for (const f of this.levels[0]!) out.push(new LevelIterator([f], tables, fill))
    for (let level = 1; level < this.levels.length; level++) {
      if (this.levels[level]!.length > 0) out.push(new LevelIterator(this.levels[level]!, tables, fill))
    }
    return out
  }
}

