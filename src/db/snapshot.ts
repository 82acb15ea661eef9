// A consistent point-in-time view: a sequence number that reads stop at. The database keeps
// the list of live snapshots so compaction knows which old versions must be kept.

import { ShaleError } from '../errors.js'

export class Snapshot {
  readonly #list: SnapshotList
  #released = false

  /** @internal */
  constructor(readonly sequence: number, list: SnapshotList) {
    this.#list = list
  }

  get released(): boolean {
    return this.#released
  }

  release(): void {
    if (this.#released) return
    this.#released = true
    this.#list.remove(this)
  }

  /** @internal Throws when the snapshot can no longer be read through. */
  checkUsable(): void {
    if (this.#released) throw new ShaleError('CLOSED', 'Cannot read through a snapshot after release()')
  }
}

export class SnapshotList {
  readonly #live = new Set<Snapshot>()

  create(sequence: number): Snapshot {
    const s = new Snapshot(sequence, this)
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
