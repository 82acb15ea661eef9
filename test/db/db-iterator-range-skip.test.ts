// The database iterator passing over what range tombstones hide by seeking the source of a
// hidden entry past the tombstone's fragment (or to the end of its span), instead of
// stepping through every hidden version: over several sources (test/helpers/array-iterator.ts,
// each a span of its own), forward and reverse, with bounds, a seek, a limit and any read
// sequence, it must show exactly what the step-by-step walk over the same entries shows.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { CursorSpan } from '../../src/base/internal-iterator.js'
import { RangeTombstoneSet, type RangeTombstone } from '../../src/base/range-tombstones.js'
import { DbIterator, type Bound, type RangeOptions } from '../../src/db/db-iterator.js'
import { MergingIterator } from '../../src/iterators/merging-iterator.js'
import { ArrayIterator, del, put, type Entry } from '../helpers/array-iterator.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** An ArrayIterator that knows its span: its newest sequence (range tombstones included) and, if asked, its key bounds. */
class SpannedIterator extends ArrayIterator {
  readonly #span: CursorSpan
  constructor(entries: Entry[], tombstones: RangeTombstone[], bounded: boolean) {
    super(entries)
    const maxSeq = Math.max(0, ...entries.map((e) => e.seq), ...tombstones.map((t) => t.seq))
    const first = this.entries[0]?.key
    const last = this.entries.at(-1)?.key
    this.#span = { maxSeq, smallest: bounded ? first : undefined, largest: bounded ? last : undefined }
  }
  span(): CursorSpan {
    return this.#span
  }
}

function drain(it: DbIterator): string[] {
  const out: string[] = []
  for (let e = it.next(); e !== undefined; e = it.next()) out.push(`${dec.decode(e[0])}=${dec.decode(e[1])}`)
  return out
}

const keyArb = fc.constantFrom('a', 'b', 'ba', 'c', 'd', 'e', 'f', 'g')
const boundArb = fc.option(fc.constantFrom('', 'a', 'b', 'b0', 'c', 'e', 'h'), { nil: undefined })
const writeArb = fc.record({
  key: keyArb,
  kind: fc.constantFrom('put', 'put', 'put', 'del', 'range'),
  end: keyArb,
  source: fc.integer({ min: 0, max: 3 }),
})

let skipped = 0

test('property: seeking past hidden entries shows what stepping through them shows', () => {
  fc.assert(
    fc.property(
      fc.array(writeArb, { minLength: 8, maxLength: 40 }),
      // Often the latest state, otherwise any point in the history.
      fc.oneof(fc.constant(100), fc.integer({ min: 0, max: 42 })),
      fc.record({ lower: boundArb, lowerInclusive: fc.boolean(), upper: boundArb, upperInclusive: fc.boolean(), reverse: fc.boolean(), limit: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) }),
      fc.option(fc.constantFrom('', 'a', 'b', 'bb', 'd', 'z'), { nil: undefined }),
      fc.boolean(),
      (writes, seq, r, seekTo, bounded) => {
        // Write i gets sequence i + 1. Three writes in four go to the source their age picks (the
        // newest quarter to source 0, as in a tree), the rest to the newest source.
        const entries: Entry[][] = [[], [], [], []]
        const tombstones: RangeTombstone[][] = [[], [], [], []]
        writes.forEach((w, i) => {
          const source = w.source < 3 ? 3 - Math.floor((4 * i) / writes.length) : 0
          if (w.kind === 'put') entries[source]!.push(put(w.key, i + 1, `v${i + 1}`))
          else if (w.kind === 'del') entries[source]!.push(del(w.key, i + 1))
          else if (w.key < w.end) tombstones[source]!.push({ start: enc.encode(w.key), end: enc.encode(w.end), seq: i + 1 })
        })
        const sets = tombstones.map((t) => RangeTombstoneSet.build(t))
        const bound = (key: string | undefined, inclusive: boolean): Bound | undefined => (key === undefined ? undefined : { key: enc.encode(key), inclusive })
        const range: RangeOptions = { lower: bound(r.lower, r.lowerInclusive), upper: bound(r.upper, r.upperInclusive), reverse: r.reverse, limit: r.limit ?? Infinity }
        // What the step-by-step walk shows: one plain cursor over every entry.
        const stepping = new DbIterator(new ArrayIterator(entries.flat()), seq, range, sets)
        const skipping = new DbIterator(new MergingIterator(entries.map((e, i) => new SpannedIterator(e, tombstones[i]!, bounded))), seq, range, sets)
        if (seekTo !== undefined) {
          stepping.seek(enc.encode(seekTo))
          skipping.seek(enc.encode(seekTo))
        }
        assert.deepEqual(drain(skipping), drain(stepping))
        skipped += skipping.skips
      },
    ),
    { numRuns: 4000 },
  )
  assert.ok(skipped > 100, `${skipped} seeks over hidden entries`)
})

test('one seek passes a source older than the tombstone, however many entries it hides, both ways', () => {
  const old: Entry[] = []
  for (let i = 0; i < 10000; i++) old.push(put(`k${String(i).padStart(5, '0')}`, i + 1, 'old'))
  const fresh = [put('k00000', 20000, 'new'), put('k09999', 20001, 'new')]
  const sets = [RangeTombstoneSet.build([{ start: enc.encode('k'), end: enc.encode('l'), seq: 10001 }])]
  for (const reverse of [false, true]) {
    const it = new DbIterator(
      new MergingIterator([new SpannedIterator(fresh, [], false), new SpannedIterator(old, [], false)]),
      30000,
      { lower: undefined, upper: undefined, reverse, limit: Infinity },
      sets,
    )
    assert.deepEqual(drain(it), reverse ? ['k09999=new', 'k00000=new'] : ['k00000=new', 'k09999=new'])
    assert.equal(it.skips, 1, `reverse ${reverse}`)
    // Read below the tombstone: it hides nothing, nothing is skipped.
    const before = new DbIterator(new MergingIterator([new SpannedIterator(old, [], false)]), 10000, { lower: undefined, upper: undefined, reverse, limit: Infinity }, sets)
    assert.equal(drain(before).length, 10000)
    assert.equal(before.skips, 0)
  }
})
