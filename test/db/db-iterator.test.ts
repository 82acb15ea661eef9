// The database iterator on its own, over a hand-built cursor (test/helpers/array-iterator.ts):
// which version of each key a read at a given sequence sees, tombstones, bounds and limits
// in both directions, seeks, and a property against a plain model of "what a user sees".

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { MAX_SEQUENCE, ValueKind } from '../../src/base/internal-key.js'
import { DbIterator, type Bound, type RangeOptions } from '../../src/db/db-iterator.js'
import { ArrayIterator, del, put, type Entry } from '../helpers/array-iterator.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

interface Range {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  reverse?: boolean
  limit?: number
}

function rangeOptions(r: Range): RangeOptions {
  const bound = (inclusive: string | undefined, exclusive: string | undefined): Bound | undefined =>
    inclusive !== undefined ? { key: enc.encode(inclusive), inclusive: true } : exclusive !== undefined ? { key: enc.encode(exclusive), inclusive: false } : undefined
  return { lower: bound(r.gte, r.gt), upper: bound(r.lte, r.lt), reverse: r.reverse ?? false, limit: r.limit ?? Infinity }
}

function open(entries: Entry[], seq: number, range: Range = {}): { it: DbIterator; source: ArrayIterator } {
  const source = new ArrayIterator(entries)
  return { it: new DbIterator(source, seq, rangeOptions(range)), source }
}

/** Drains the iterator as "key=value" strings. */
function drain(it: DbIterator): string[] {
  const out: string[] = []
  for (let e = it.next(); e !== undefined; e = it.next()) out.push(`${dec.decode(e[0])}=${dec.decode(e[1])}`)
  return out
}

const scan = (entries: Entry[], seq: number, range: Range = {}): string[] => drain(open(entries, seq, range).it)

// a: three versions; b: a tombstone over an older value, and a value newer than the tombstone
// at seq 9; c: only a tombstone; d: one value.
const history = [put('a', 1, 'a1'), put('a', 4, 'a4'), put('a', 7, 'a7'), put('b', 2, 'b2'), del('b', 5), put('b', 9, 'b9'), del('c', 3), put('d', 6, 'd6')]

test('each key shows its newest version at or below the read sequence', () => {
  assert.deepEqual(scan(history, MAX_SEQUENCE), ['a=a7', 'b=b9', 'd=d6'])
  assert.deepEqual(scan(history, 1), ['a=a1'])
  assert.deepEqual(scan(history, 4), ['a=a4', 'b=b2'])
  assert.deepEqual(scan(history, 6), ['a=a4', 'd=d6'], 'b is deleted at 5; a7 and b9 are newer than the read')
  assert.deepEqual(scan(history, 0), [], 'nothing is visible before the first write')
})

test('in reverse, each key shows the same version as forward: the newest visible, not the first met', () => {
  for (const seq of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, MAX_SEQUENCE]) {
    assert.deepEqual(scan(history, seq, { reverse: true }), scan(history, seq).reverse(), `read at ${seq}`)
  }
  // Reverse meets b's versions oldest first (b2, then the tombstone at 5, then b9).
  assert.deepEqual(scan(history, 8, { reverse: true }), ['d=d6', 'a=a7'])
  assert.deepEqual(scan(history, 9, { reverse: true }), ['d=d6', 'b=b9', 'a=a7'])
})

test('a tombstone hides every older version of its key, in both directions, and only those', () => {
  const entries = [put('k', 1, 'old'), put('k', 2, 'older-still-hidden'), del('k', 3), put('l', 1, 'l1'), del('m', 2), put('m', 1, 'm1')]
  assert.deepEqual(scan(entries, 3), ['l=l1'])
  assert.deepEqual(scan(entries, 3, { reverse: true }), ['l=l1'])
  assert.deepEqual(scan(entries, 2), ['k=older-still-hidden', 'l=l1'])
  assert.deepEqual(scan(entries, 1, { reverse: true }), ['m=m1', 'l=l1', 'k=old'])
  // Only deleted keys: nothing at all, and the iterator stays ended.
  const { it } = open([del('x', 2), put('x', 1, 'x1'), del('y', 3)], 5, { reverse: true })
  assert.equal(it.next(), undefined)
  assert.equal(it.next(), undefined)
})

test('bounds: inclusive and exclusive, each direction, skip every version of an excluded bound key', () => {
  assert.deepEqual(scan(history, MAX_SEQUENCE, { gt: 'a' }), ['b=b9', 'd=d6'])
  assert.deepEqual(scan(history, MAX_SEQUENCE, { gte: 'a', lt: 'd' }), ['a=a7', 'b=b9'])
  assert.deepEqual(scan(history, MAX_SEQUENCE, { gt: 'a', lte: 'd' }), ['b=b9', 'd=d6'])
  assert.deepEqual(scan(history, 4, { gt: 'a' }), ['b=b2'], 'older versions of the excluded key a stay excluded')
  assert.deepEqual(scan(history, MAX_SEQUENCE, { lt: 'b', reverse: true }), ['a=a7'])
  assert.deepEqual(scan(history, 4, { lt: 'b', reverse: true }), ['a=a4'], 'b is outside the bound, whichever of its versions is visible')
  assert.deepEqual(scan(history, MAX_SEQUENCE, { lte: 'b', reverse: true }), ['b=b9', 'a=a7'])
  assert.deepEqual(scan(history, 4, { lte: 'b', gt: 'a', reverse: true }), ['b=b2'])
  assert.deepEqual(scan(history, MAX_SEQUENCE, { gte: 'a', lte: 'a', reverse: true }), ['a=a7'])
  // Bounds between keys, and bounds on keys that do not exist.
  assert.deepEqual(scan(history, MAX_SEQUENCE, { gt: 'aa', lt: 'cz' }), ['b=b9'])
  assert.deepEqual(scan(history, MAX_SEQUENCE, { gt: 'aa', lt: 'cz', reverse: true }), ['b=b9'])
  assert.deepEqual(scan(history, MAX_SEQUENCE, { gte: 'c', lte: 'c' }), [], 'c exists only as a tombstone')
})

test('empty ranges end at once: no entries, bounds that cross or touch exclusively, nothing visible', () => {
  for (const reverse of [false, true]) {
    assert.deepEqual(scan([], MAX_SEQUENCE, { reverse }), [])
    assert.deepEqual(scan(history, MAX_SEQUENCE, { gte: 'd', lte: 'a', reverse }), [])
    assert.deepEqual(scan(history, MAX_SEQUENCE, { gt: 'b', lt: 'b', reverse }), [])
    assert.deepEqual(scan(history, MAX_SEQUENCE, { gte: 'b', lt: 'b', reverse }), [])
    assert.deepEqual(scan(history, MAX_SEQUENCE, { gt: 'd', reverse }), [])
    assert.deepEqual(scan(history, MAX_SEQUENCE, { lt: 'a', reverse }), [])
    assert.deepEqual(scan(history, MAX_SEQUENCE, { limit: 0, reverse }), [])
  }
})

test('a limit counts returned entries, not skipped versions or tombstones', () => {
  assert.deepEqual(scan(history, MAX_SEQUENCE, { limit: 2 }), ['a=a7', 'b=b9'])
  assert.deepEqual(scan(history, 6, { limit: 2 }), ['a=a4', 'd=d6'])
  assert.deepEqual(scan(history, 6, { limit: 1, reverse: true }), ['d=d6'])
  assert.deepEqual(scan(history, MAX_SEQUENCE, { limit: 99, reverse: true }), ['d=d6', 'b=b9', 'a=a7'])
})

test('seek moves to the first visible key at or after the target (at or before it in reverse)', () => {
  const fwd = open(history, MAX_SEQUENCE).it
  fwd.seek(enc.encode('b'))
  assert.deepEqual(drain(fwd), ['b=b9', 'd=d6'])
  fwd.seek(enc.encode('a'))
  assert.deepEqual(drain(fwd), ['a=a7', 'b=b9', 'd=d6'], 'a seek after the end starts over')
  fwd.seek(enc.encode('c'))
  assert.deepEqual(drain(fwd), ['d=d6'], 'c is deleted: the next visible key')
  fwd.seek(enc.encode('e'))
  assert.deepEqual(drain(fwd), [])

  const back = open(history, 6, { reverse: true }).it
  back.seek(enc.encode('c'))
  assert.deepEqual(drain(back), ['a=a4'], 'b is deleted at 5')
  back.seek(enc.encode('d'))
  assert.deepEqual(drain(back), ['d=d6', 'a=a4'], 'every version of the target counts in reverse')
  back.seek(enc.encode('zz'))
  assert.deepEqual(drain(back), ['d=d6', 'a=a4'])
  back.seek(enc.encode('0'))
  assert.deepEqual(drain(back), [])
})

test('seek back and forth mid-iteration: forward to an earlier key, reverse to a later one', () => {
  const fwd = open(history, MAX_SEQUENCE).it
  assert.equal(dec.decode(fwd.next()![0]), 'a')
  assert.equal(dec.decode(fwd.next()![0]), 'b')
  fwd.seek(enc.encode('a'))
  assert.deepEqual(drain(fwd), ['a=a7', 'b=b9', 'd=d6'], 'a, already returned once, is returned again after the seek')

  const back = open(history, MAX_SEQUENCE, { reverse: true }).it
  assert.equal(dec.decode(back.next()![0]), 'd')
  back.seek(enc.encode('d'))
  assert.deepEqual(drain(back), ['d=d6', 'b=b9', 'a=a7'])
})

test('seek within bounds stays within them; a target outside the range ends the iterator', () => {
  const range = { gt: 'a', lt: 'd' }
  const fwd = open(history, MAX_SEQUENCE, range).it
  fwd.seek(enc.encode('aa'))
  assert.deepEqual(drain(fwd), ['b=b9'], 'stops at the exclusive upper bound d')
  fwd.seek(enc.encode('a'))
  assert.deepEqual(drain(fwd), [], 'the excluded lower bound itself is outside')
  fwd.seek(enc.encode('d'))
  assert.deepEqual(drain(fwd), [])

  const back = open(history, MAX_SEQUENCE, { ...range, reverse: true }).it
  back.seek(enc.encode('c'))
  assert.deepEqual(drain(back), ['b=b9'], 'stops at the exclusive lower bound a')
  back.seek(enc.encode('e'))
  assert.deepEqual(drain(back), [], 'past the upper bound: ended, not clamped to it')

  const limited = open(history, MAX_SEQUENCE, { limit: 2 }).it
  limited.seek(enc.encode('b'))
  assert.deepEqual(drain(limited), ['b=b9', 'd=d6'])
  limited.seek(enc.encode('a'))
  assert.deepEqual(drain(limited), [], 'the limit counts across seeks (as abstract-level\'s count does): two were already returned')
})

test('entries are the caller\'s own copies, and close() closes the source', () => {
  const { it, source } = open([put('k', 1, 'v')], MAX_SEQUENCE)
  const [k, v] = it.next()!
  source.entries[0]!.key[0] = 0x7a
  source.entries[0]!.value[0] = 0x7a
  assert.equal(dec.decode(k), 'k')
  assert.equal(dec.decode(v), 'v')
  it.close()
  assert.equal(source.closed, true)
  assert.equal(it.next(), undefined)
})

// --- the model property ---------------------------------------------------------------

/** What a user should see: per key, the newest version at or below seq, if it is a value. */
function model(entries: Entry[], seq: number, range: Range, seekTo: string | undefined): string[] {
  const newest = new Map<string, Entry>()
  for (const e of entries) {
    if (e.seq > seq) continue
    const k = dec.decode(e.key)
    if ((newest.get(k)?.seq ?? -1) < e.seq) newest.set(k, e)
  }
  const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))
  const inRange = (k: string): boolean =>
    !(range.gte !== undefined && cmp(k, range.gte) < 0) &&
    !(range.gt !== undefined && cmp(k, range.gt) <= 0) &&
    !(range.lte !== undefined && cmp(k, range.lte) > 0) &&
    !(range.lt !== undefined && cmp(k, range.lt) >= 0)
  if (seekTo !== undefined && !inRange(seekTo)) return []
  let rows = [...newest.entries()].filter(([k, e]) => e.kind === ValueKind.Value && inRange(k)).sort(([a], [b]) => cmp(a, b))
  if (range.reverse) rows.reverse()
  if (seekTo !== undefined) rows = rows.filter(([k]) => (range.reverse ? cmp(k, seekTo) <= 0 : cmp(k, seekTo) >= 0))
  return rows.slice(0, range.limit ?? Infinity).map(([k, e]) => `${k}=${dec.decode(e.value)}`)
}

const keyArb = fc.constantFrom('a', 'b', 'ba', 'c', 'd')
const boundArb = fc.option(fc.constantFrom('', 'a', 'b', 'b0', 'c', 'd', 'e'), { nil: undefined })

test('property: forward and reverse, with bounds, limits and a seek, the iterator shows what the model shows', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(keyArb, fc.boolean()), { maxLength: 30 }),
      fc.integer({ min: 0, max: 32 }),
      fc.record({ lower: boundArb, lowerInclusive: fc.boolean(), upper: boundArb, upperInclusive: fc.boolean(), reverse: fc.boolean(), limit: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }) }),
      fc.option(fc.constantFrom('', 'a', 'b', 'bb', 'c', 'd', 'z'), { nil: undefined }),
      (writes, seq, r, seekTo) => {
        // Write i gets sequence i + 1, as the database hands them out.
        const entries = writes.map(([k, isDelete], i) => (isDelete ? del(k, i + 1) : put(k, i + 1, `v${i + 1}`)))
        const range: Range = { reverse: r.reverse }
        if (r.limit !== undefined) range.limit = r.limit
        if (r.lower !== undefined) range[r.lowerInclusive ? 'gte' : 'gt'] = r.lower
        if (r.upper !== undefined) range[r.upperInclusive ? 'lte' : 'lt'] = r.upper
        const { it } = open(entries, seq, range)
        if (seekTo !== undefined) it.seek(enc.encode(seekTo))
        assert.deepEqual(drain(it), model(entries, seq, range, seekTo))
      },
    ),
    { numRuns: 3000 },
  )
})
