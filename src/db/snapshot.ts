// A consistent point-in-time view: a sequence number that reads stop at. The database keeps
// the list of live snapshots so compaction knows which old versions must be kept. A read-only
// handle cannot stop the writer's compactions from dropping old versions, so its snapshots
// also pin the view (memtables and version) they were taken on.

import { closedError } from '../errors.js'
import type { ReadView } from './read-view.js'

/** A view a snapshot holds, and how to let it go. */
export interface PinnedView {
  view: ReadView
  unpin(): void
}

export class Snapshot {
  readonly #list: SnapshotList
  readonly #pinned: PinnedView | undefined
  #released = false

  /** @internal */
  constructor(readonly sequence: number, list: SnapshotList, pinned?: PinnedView) {
    this.#list = list
    this.#pinned = pinned
  }

  /** @internal The view reads through this snapshot search, when it pins one. */
  get view(): ReadView | undefined {
    return this.#pinned?.view
  }

  get released(): boolean {
    return this.#released
  }

  release(): void {
    if (this.#released) return
    this.#released = true
    this.#list.remove(this)
    this.#pinned?.unpin()
  }

  /** @internal Throws when the snapshot can no longer be read through. */
  checkUsable(): void {
    if (this.#released) throw closedError('snapshot', 'Cannot read through a snapshot after release()')
  }
}

export class SnapshotList {
  readonly #live = new Set<Snapshot>()

  create(sequence: number, pinned?: PinnedView): Snapshot {
    const s = new Snapshot(sequence, this, pinned)
    this.#live.add(s)
    return s
  }

  remove(s: Snapshot): void {
    this.#live.delete(s)
  }

  get size(): number {
    return this.#live.size
  }

  /** Sequence numbers of live snapshots, ascending. */
  sequences(): number[] {
    return [...this.#live].map((s) => s.sequence).sort((a, b) => a - b)
  }

  releaseAll(): void {
    for (const s of [...this.#live]) s.release()
  }
}
