// RangeTombstoneSet.with(): adding tombstones one at a time gives the same answers as
// fragmenting them all at once, for random tombstones over a small key space, and leaves
// the set it started from unchanged (cursors may hold it).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RangeTombstoneSet, type RangeTombstone } from '../../src/base/range-tombstones.js'
import { Random } from '../helpers/random.js'

const k = (i: number): Uint8Array => Uint8Array.of(97 + Math.floor(i / 4), i % 4 === 0 ? 0 : 48 + i).subarray(0, i % 4 === 0 ? 1 : 2)

test('with() agrees with build() on every key and read sequence', () => {
  const r = new Random(17)
  for (let round = 0; round < 200; round++) {
    const list: RangeTombstone[] = []
    let set = RangeTombstoneSet.EMPTY
    const sets: RangeTombstoneSet[] = []
    for (let n = 1 + r.int(12); n > 0; n--) {
      const a = r.int(40)
      const b = a + r.int(12)
      const t = { start: k(a), end: k(b), seq: 1 + r.int(30) }
      list.push(t)
      set = set.with(t)
      sets.push(set)
    }
    const built = RangeTombstoneSet.build(list)
    assert.equal(set.count, list.length)
    for (let i = 0; i < 56; i++) {
      for (const readSeq of [0, 5, 15, 31]) {
        assert.equal(set.maxCovering(k(i), readSeq), built.maxCovering(k(i), readSeq), `round ${round}, key ${i}, read ${readSeq}`)
        assert.equal(set.oldestCoveringAbove(k(i), readSeq), built.oldestCoveringAbove(k(i), readSeq))
      }
    }
    // Fragments stay sorted and disjoint, each with distinct descending sequences.
    for (let i = 0; i < set.fragments.length; i++) {
      const f = set.fragments[i]!
      assert.ok(Buffer.compare(f.start, f.end) < 0)
      if (i > 0) assert.ok(Buffer.compare(set.fragments[i - 1]!.end, f.start) <= 0)
      for (let j = 1; j < f.seqs.length; j++) assert.ok(f.seqs[j - 1]! > f.seqs[j]!)
    }
    // An earlier set still answers for the tombstones it had.
    const first = RangeTombstoneSet.build(list.slice(0, 1))
    for (let i = 0; i < 56; i++) assert.equal(sets[0]!.maxCovering(k(i), 31), first.maxCovering(k(i), 31))
  }
})
