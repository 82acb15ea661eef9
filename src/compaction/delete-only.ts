// Delete-only compactions: a table whose every entry lies under a newer range tombstone, with
// no snapshot in between, holds nothing any reader can see. It is dropped from its level by a
// MANIFEST edit alone, without being read or rewritten, so clearing a large range frees its
// tables at once and iterators stop walking them (Pebble drops tables the same way).
//
// The rules, per table (sequences: min and max of its entries, from its properties):
// - its key range [smallest, largest] lies within tombstone fragments that follow each other
//   with no gap, and each fragment has a tombstone newer than the table's newest entry;
// - no snapshot s has min <= s < that tombstone (such a reader sees some entry uncovered);
// - it holds no range tombstones itself (they may cover entries in deeper levels).
// The tombstones come only from tables (in the MANIFEST already): one still in a memtable
// could be lost in a crash after the drop was recorded.

import { RangeTombstoneSet, type RangeTombstone, type TombstoneFragment } from '../base/range-tombstones.js'
import { compareBytes } from '../util/bytes.js'
import type { TableCache } from '../table/table-cache.js'
import type { FileMetadata } from '../version/file-metadata.js'
import type { Version } from '../version/version.js'

export interface CoveredTable {
  level: number
  file: FileMetadata
}

/** The tables of `version` that range tombstones make invisible to every reader; empty when none. */
export function coveredTables(version: Version, tables: TableCache, snapshots: readonly number[]): CoveredTable[] {
  if (version.rangeDeletionFiles.length === 0) return []
  const list: RangeTombstone[] = []
  for (const f of version.rangeDeletionFiles) list.push(...tables.rangeTombstones(f.number).tombstones())
  const set = RangeTombstoneSet.build(list)
  const sorted = [...snapshots].sort((a, b) => a - b)
  const out: CoveredTable[] = []
  version.levels.forEach((files, level) => {
    for (const file of files) {
      if ((file.rangeDeletions ?? 0) > 0) continue
      // The key test first: it needs no table opened.
      const run = coveringRun(set, file.smallestKey, file.largestKey)
      if (run === undefined) continue
      const reader = tables.acquire(file.number)
      let props
      try {
        props = reader.properties()
      } finally {
        tables.release(reader)
      }
      if (run.every((fragment) => hides(fragment.seqs, props.smallestSeq, props.largestSeq, sorted))) out.push({ level, file })
    }
  })
  return out
}

/** The fragments covering [smallest, largest] without a gap, or undefined when there is one. */
function coveringRun(set: RangeTombstoneSet, smallest: Uint8Array, largest: Uint8Array): TombstoneFragment[] | undefined {
  const fragments = set.fragments
  let at = set.indexAt(smallest)
  if (at < 0) return undefined
  const run = [fragments[at]!]
  // The last fragment must end after the largest key (its end is exclusive).
  while (compareBytes(fragments[at]!.end, largest) <= 0) {
    const next = fragments[at + 1]
    if (next === undefined || compareBytes(next.start, fragments[at]!.end) !== 0) return undefined
    run.push(next)
    at++
  }
  return run
}

/** Whether a tombstone of `seqs` (descending) hides entries numbered minSeq..maxSeq from every reader. */
function hides(seqs: readonly number[], minSeq: number, maxSeq: number, snapshots: readonly number[]): boolean {
  // The oldest tombstone newer than every entry: the one a snapshot is least likely to split.
  let tombstone = 0
  for (const s of seqs) {
    if (s <= maxSeq) break
    tombstone = s
  }
  if (tombstone === 0) return false
  return !snapshots.some((s) => s >= minSeq && s < tombstone)
}

/**
 * Whether the tables lying wholly inside [start, end) hold at least `bytes`: then a range
 * deletion over them is worth a flush, which puts it in a table, where it can drop them.
 */
export function coversTableBytes(version: Version, start: Uint8Array, end: Uint8Array, bytes: number): boolean {
  let total = 0
  for (const files of version.levels) {
    for (const f of files) {
      if (compareBytes(f.smallestKey, start) >= 0 && compareBytes(f.largestKey, end) < 0) total += f.size
      if (total >= bytes) return true
    }
  }
  return false
}
