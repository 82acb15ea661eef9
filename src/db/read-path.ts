// The read path: a get searches the memtable, then the immutable memtable, then the tables,
// newest first, and stops at the first entry at or below its sequence number; an iterator
// merges all of them. Both read either the latest view (the writer's memtables and current
// version, or a read-only handle's follower) or the view a snapshot pinned. Arguments are
// validated by the caller (the Shale facade).

import { bufferCopy } from '#runtime'
import { ValueKind } from '../base/internal-key.js'
import type { InternalIterator } from '../base/internal-iterator.js'
import { MergingIterator } from '../iterators/merging-iterator.js'
import type { TableCache } from '../table/table-cache.js'
import type { CacheFill } from '../table/table-iterator.js'
import type { VersionSet } from '../version/version-set.js'
import type { FoundEntry } from '../base/found-entry.js'
import { RangeTombstoneSet } from '../base/range-tombstones.js'
import { DbIterator, type Bound, type RangeOptions } from './db-iterator.js'
import type { Follower } from './follower.js'
import type { ReadView } from './read-view.js'
import { ShaleIterator } from './shale-iterator.js'
import type { Snapshot, SnapshotList } from './snapshot.js'
import type { StatsCounters } from './stats.js'
import type { WritePath } from './write-path.js'
import { binaryKey, type Bytes } from './arguments.js'
import type { EventLoopGate } from '../util/event-loop-gate.js'

/** Whether any memtable or table of the view holds a range tombstone: a few length checks. */
function hasRangeDeletions(view: ReadView): boolean {
  if (view.version.rangeDeletionFiles.length > 0) return true
  const mems = view.memtables
  for (let i = 0; i < mems.length; i++) if (mems[i]!.rangeDeletionCount > 0) return true
  return false
}

export class ReadPath {
  readonly #versions: VersionSet
  readonly #tables: TableCache
  readonly #counters: StatsCounters
  readonly #snapshots: SnapshotList
  readonly #gate: EventLoopGate
  /** Where the latest state comes from: the writer's memtables, or the follower's view. */
  readonly #source: { writes: WritePath } | { follower: Follower }
  readonly #iterators = new Set<ShaleIterator>()
  #view: ReadView | undefined

  constructor(versions: VersionSet, tables: TableCache, counters: StatsCounters, snapshots: SnapshotList, gate: EventLoopGate, source: { writes: WritePath } | { follower: Follower }) {
    this.#gate = gate
    this.#versions = versions
    this.#tables = tables
    this.#counters = counters
    this.#snapshots = snapshots
    this.#source = source
  }

  /** The sequence number of the newest write a read at the latest state sees. */
  get lastSequence(): number {
    return 'follower' in this.#source ? this.#source.follower.lastSequence : this.#source.writes.visibleSequence
  }

  /** Iterators not yet closed. */
  get openIterators(): number {
    return this.#iterators.size
  }

  /** What a read at the latest sequence searches; rebuilt only when a memtable or version changed. */
  currentView(): ReadView {
    if ('follower' in this.#source) return this.#source.follower.view
    const v = this.#view
    const mem = this.#source.writes.memtable
    const imm = this.#source.writes.immutable
    if (v !== undefined && v.version === this.#versions.current && v.memtables[0] === mem && v.memtables[1] === imm) return v
    return (this.#view = { memtables: imm ? [mem, imm] : [mem], version: this.#versions.current })
  }

  /** The newest entry for key (skey: its binary string) at or below the read's sequence. */
  get(key: Uint8Array, skey: string, snap: Snapshot | undefined): Buffer | undefined {
    const seq = snap?.sequence ?? this.lastSequence
    const view = snap?.view ?? this.currentView()
    const covering = hasRangeDeletions(view) ? this.#coveringTombstone(view, key, seq) : 0
    const before = this.#counters.tablesSearched
    let hit: FoundEntry | undefined
    for (let i = 0; i < view.memtables.length && hit === undefined; i++) hit = view.memtables[i]!.get(key, seq, skey)
    hit ??= view.version.get(key, seq, this.#tables, this.#counters)
    this.#counters.recordGet(this.#counters.tablesSearched - before)
    if (hit === undefined || hit.kind === ValueKind.Deletion || hit.seq < covering) return undefined
    return bufferCopy(hit.value)
  }

  /** The newest range tombstone at or below seq over key, in any memtable or table of the view; 0 when none. */
  #coveringTombstone(view: ReadView, key: Uint8Array, seq: number): number {
    let max = view.version.rangeDeletionFiles.length > 0 ? view.version.maxCoveringTombstone(key, seq, this.#tables) : 0
    for (const m of view.memtables) {
      if (m.rangeDeletionCount === 0) continue
      const s = m.rangeTombstones().maxCovering(key, seq)
      if (s > max) max = s
    }
    return max
  }

  /**
   * The range tombstone sets an iterator over [lower, upper] must apply: those of the
   * memtables and tables that have any, as they are (cached, and never merged per iterator:
   * each applies the read sequence itself).
   */
  #iteratorTombstones(view: ReadView, range: RangeOptions): RangeTombstoneSet[] {
    if (!hasRangeDeletions(view)) return []
    const sets = view.version.rangeDeletionFiles.length > 0 ? view.version.rangeTombstoneSets(this.#tables, range.lower?.key, range.upper?.key) : []
    for (const m of view.memtables) if (m.rangeDeletionCount > 0) sets.push(m.rangeTombstones())
    return sets
  }

  /** A consistent view as of now. A read-only handle's snapshot also pins the view it was taken on. */
  snapshot(): Snapshot {
    if (!('follower' in this.#source)) return this.#snapshots.create(this.lastSequence)
    const view = this.#source.follower.view
    view.version.ref()
    return this.#snapshots.create(this.lastSequence, { view, unpin: () => view.version.unref() })
  }

  /** `fill`: which of the data blocks it reads the iterator leaves in the block cache. */
  iterator(range: { lower: Bound | undefined; upper: Bound | undefined; reverse: boolean; limit: number }, snap: Snapshot | undefined, fill: CacheFill = 'seeks'): ShaleIterator {
    const seq = snap?.sequence ?? this.lastSequence
    const view = snap?.view ?? this.currentView()
    // Pin what the iterator reads: the memtables are plain objects kept alive by reference;
    // the version is referenced so its tables are not deleted under the iterator.
    const version = view.version
    version.ref()
    const sources: InternalIterator[] = view.memtables.map((m) => m.iterator())
    sources.push(...version.iterators(this.#tables, fill))
    const it = new ShaleIterator(
      new DbIterator(new MergingIterator(sources), seq, range, this.#iteratorTombstones(view, range)),
      () => {
        this.#iterators.delete(it)
        version.unref()
      },
      this.#gate,
    )
    this.#iterators.add(it)
    return it
  }

  /**
   * Reads every key at one sequence through one pinned view (`snap`, or a snapshot taken
   * here), so the event loop may turn between slices of a large batch and the answer is
   * still one consistent read. `toBytes` validates a key (throwing rejects the whole call);
   * `checkOpen` throws once the database is closing, checked after each turn.
   */
  async getMany(keys: readonly Bytes[], toBytes: (key: Bytes) => Uint8Array, snap: Snapshot | undefined, checkOpen: () => void): Promise<(Buffer | undefined)[]> {
    const own = snap === undefined ? this.snapshot() : undefined
    const at = snap ?? own!
    try {
      const out = new Array<Buffer | undefined>(keys.length)
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!
        const k = toBytes(key)
        out[i] = this.get(k, binaryKey(key, k), at)
        const turn = this.#gate.pass()
        if (turn !== undefined) {
          await turn
          checkOpen()
          at.checkUsable()
        }
      }
      return out
    } finally {
      own?.release()
    }
  }

  /** For close: every open iterator lets go of its files. */
  closeIterators(): void {
    for (const it of [...this.#iterators]) it.close()
  }
}
