// Range tombstone fragmenting: the fragments of a set are disjoint, sorted and non-empty, each
// lists exactly the tombstones over it, and maxCovering / oldestCoveringAbove answer as a
// brute-force scan of the raw tombstones does, for random tombstones over a tiny alphabet
// (with 0x00, so keys that differ by a trailing zero byte meet at the cuts).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keySuccessor, RangeTombstoneSet, truncateTombstones, type RangeTombstone } from '../../src/base/range-tombstones.js'
import { compareBytes } from '../../src/util/bytes.js'
import { Random } from '../helpers/random.js'

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1')
const s = (k: Uint8Array): string => Buffer.from(k).toString('latin1')
const t = (start: string, end: string, seq: number): RangeTombstone => ({ start: b(start), end: b(end), seq })
const frags = (set: RangeTombstoneSet): string[] => set.fragments.map((f) => `[${s(f.start)},${s(f.end)})@${f.seqs.join(',')}`)

test('build: overlapping, nested, equal-start, duplicate and empty tombstones', () => {
  // Overlap.
  assert.deepEqual(frags(RangeTombstoneSet.build([t('a', 'd', 1), t('c', 'f', 2)])), ['[a,c)@1', '[c,d)@2,1', '[d,f)@2'])
  // Nesting: the inner one splits the outer.
  assert.deepEqual(frags(RangeTombstoneSet.build([t('a', 'z', 5), t('m', 'n', 3)])), ['[a,m)@5', '[m,n)@5,3', '[n,z)@5'])
  // Equal starts, different ends; given in any order.
  assert.deepEqual(frags(RangeTombstoneSet.build([t('b', 'e', 7), t('b', 'c', 9)])), ['[b,c)@9,7', '[c,e)@7'])
  // Duplicates (same range and sequence) count once in a fragment; same range, two sequences, both.
  assert.deepEqual(frags(RangeTombstoneSet.build([t('a', 'b', 4), t('a', 'b', 4), t('a', 'b', 2)])), ['[a,b)@4,2'])
  // Adjacent tombstones make adjacent fragments, no gap and no overlap.
  assert.deepEqual(frags(RangeTombstoneSet.build([t('a', 'b', 1), t('b', 'c', 2)])), ['[a,b)@1', '[b,c)@2'])
  // Disjoint: the gap has no fragment.
  const gap = RangeTombstoneSet.build([t('a', 'b', 1), t('x', 'y', 2)])
  assert.deepEqual(frags(gap), ['[a,b)@1', '[x,y)@2'])
  assert.equal(gap.maxCovering(b('m'), 10), 0)
  // Empty ranges are ignored, but counted as given.
  const empty = RangeTombstoneSet.build([t('c', 'c', 1), t('d', 'a', 2)])
  assert.deepEqual(frags(empty), [])
  assert.equal(empty.count, 2)
  assert.equal(empty.maxCovering(b('c'), 10), 0)
  assert.equal(RangeTombstoneSet.build([]), RangeTombstoneSet.EMPTY)
  // A range of one key: [k, k\0) covers k and nothing else.
  const one = RangeTombstoneSet.build([{ start: b('k'), end: keySuccessor(b('k')), seq: 3 }])
  assert.equal(one.maxCovering(b('k'), 3), 3)
  assert.equal(one.maxCovering(b('k\0'), 3), 0)
  assert.equal(one.maxCovering(b('j\xff'), 3), 0)
})

test('maxCovering and oldestCoveringAbove: sequences and the end bound', () => {
  const set = RangeTombstoneSet.build([t('a', 'm', 10), t('c', 'e', 20), t('d', 'z', 30)])
  // The end is exclusive, the start inclusive.
  assert.equal(set.maxCovering(b('m'), 100), 30)
  assert.equal(set.maxCovering(b('z'), 100), 0)
  assert.equal(set.maxCovering(b('a'), 100), 10)
  // Read sequence below a tombstone: it is not seen.
  assert.equal(set.maxCovering(b('d'), 29), 20)
  assert.equal(set.maxCovering(b('d'), 19), 10)
  assert.equal(set.maxCovering(b('d'), 9), 0)
  assert.equal(set.maxCovering(b('d'), 30), 30)
  // The oldest strictly above.
  assert.equal(set.oldestCoveringAbove(b('d'), 5), 10)
  assert.equal(set.oldestCoveringAbove(b('d'), 10), 20)
  assert.equal(set.oldestCoveringAbove(b('d'), 25), 30)
  assert.equal(set.oldestCoveringAbove(b('d'), 30), 0)
  assert.equal(set.oldestCoveringAbove(b('n'), 5), 30)
})

const ALPHABET = ['\0', 'a', 'b']

function randomKey(r: Random): string {
  let k = ''
  for (let n = r.int(4); n > 0; n--) k += r.pick(ALPHABET)
  return k
}

/** Every key over the alphabet up to 4 characters, sorted. */
function allKeys(): Uint8Array[] {
  let level = ['']
  const out = ['']
  for (let len = 1; len <= 4; len++) {
    level = level.flatMap((k) => ALPHABET.map((c) => k + c))
    out.push(...level)
  }
  return out.map(b).sort(compareBytes)
}

const covers = (x: RangeTombstone, key: Uint8Array): boolean => compareBytes(x.start, key) <= 0 && compareBytes(key, x.end) < 0

test('random tombstones: fragments are well formed and lookups match a brute-force oracle', () => {
  const keys = allKeys()
  for (let seed = 1; seed <= 300; seed++) {
    const r = new Random(seed)
    const list: RangeTombstone[] = []
    for (let n = r.int(12); n > 0; n--) {
      const a = b(randomKey(r))
      const c = r.bool(0.1) ? a : b(randomKey(r))
      // Mostly ordered, sometimes reversed (empty), sometimes a repeated sequence.
      const [start, end] = r.bool(0.85) && compareBytes(a, c) > 0 ? [c, a] : [a, c]
      list.push({ start, end, seq: 1 + r.int(20) })
    }
    const set = RangeTombstoneSet.build(list)
    const where = `seed ${seed}: ${list.map((x) => `[${JSON.stringify(s(x.start))},${JSON.stringify(s(x.end))})@${x.seq}`).join(' ')}`
    // Sorted, disjoint, non-empty; each fragment's sequences are those over its start, newest first, no repeats.
    for (let i = 0; i < set.fragments.length; i++) {
      const f = set.fragments[i]!
      assert.ok(compareBytes(f.start, f.end) < 0, where)
      if (i > 0) assert.ok(compareBytes(set.fragments[i - 1]!.end, f.start) <= 0, where)
      const want = [...new Set(list.filter((x) => covers(x, f.start)).map((x) => x.seq))].sort((p, q) => q - p)
      assert.deepEqual(f.seqs, want, where)
    }
    // Rebuilding from the set's own tombstones gives the same fragments.
    assert.deepEqual(frags(RangeTombstoneSet.build(set.tombstones())), frags(set), where)
    // Lookups in a random order (the set keeps a hint from the last lookup).
    for (let q = 0; q < 400; q++) {
      const key = r.pick(keys)
      const seq = r.int(22)
      const over = list.filter((x) => covers(x, key)).map((x) => x.seq)
      const max = Math.max(0, ...over.filter((x) => x <= seq))
      const above = over.filter((x) => x > seq)
      const oldest = above.length === 0 ? 0 : Math.min(...above)
      assert.equal(set.maxCovering(key, seq), max, `${where}: maxCovering(${JSON.stringify(s(key))}, ${seq})`)
      assert.equal(set.oldestCoveringAbove(key, seq), oldest, `${where}: oldestCoveringAbove(${JSON.stringify(s(key))}, ${seq})`)
      const at = set.indexAt(key)
      assert.equal(at >= 0, over.length > 0, where)
      if (at >= 0) assert.ok(covers({ ...set.fragments[at]!, seq: 0 }, key), where)
    }
    // And in key order, as scans ask.
    for (const key of keys) {
      const over = list.filter((x) => covers(x, key)).map((x) => x.seq)
      assert.equal(set.maxCovering(key, 100), Math.max(0, ...over), where)
    }
  }
})

test('truncateTombstones: cut to [lower, upper), pieces outside or emptied dropped, sequences kept', () => {
  const list = [t('a', 'c', 1), t('b', 'f', 2), t('e', 'g', 3), t('x', 'z', 4)]
  const show = (l: RangeTombstone[]) => l.map((x) => `[${s(x.start)},${s(x.end)})@${x.seq}`)
  assert.deepEqual(show(truncateTombstones(list, b('b'), b('e'))), ['[b,c)@1', '[b,e)@2'])
  assert.deepEqual(show(truncateTombstones(list, undefined, b('b'))), ['[a,b)@1'])
  assert.deepEqual(show(truncateTombstones(list, b('f'), undefined)), ['[f,g)@3', '[x,z)@4'])
  assert.deepEqual(show(truncateTombstones(list, undefined, undefined)), show(list))
  // A cut between k and k\0: the piece below holds exactly k.
  const k = [t('k', 'l', 9)]
  assert.deepEqual(show(truncateTombstones(k, undefined, b('k\0'))), ['[k,k\0)@9'])
  assert.deepEqual(show(truncateTombstones(k, b('k\0'), undefined)), ['[k\0,l)@9'])
  assert.deepEqual(truncateTombstones(k, b('k'), b('k')), [])
  assert.deepEqual(truncateTombstones(k, b('l'), undefined), [])
  // Random: a key is covered by the truncated list exactly when it is covered and inside the bounds.
  const keys = allKeys()
  for (let seed = 1; seed <= 100; seed++) {
    const r = new Random(seed)
    const raw = Array.from({ length: 1 + r.int(6) }, () => {
      const [p, q] = [b(randomKey(r)), b(randomKey(r))].sort(compareBytes)
      return { start: p!, end: q!, seq: 1 + r.int(9) }
    })
    const lower = r.bool(0.2) ? undefined : b(randomKey(r))
    const upper = r.bool(0.2) ? undefined : b(randomKey(r))
    const cut = truncateTombstones(raw, lower, upper)
    for (const x of cut) assert.ok(compareBytes(x.start, x.end) < 0)
    for (const key of keys) {
      const inside = (lower === undefined || compareBytes(key, lower) >= 0) && (upper === undefined || compareBytes(key, upper) < 0)
      const want = inside ? raw.filter((x) => covers(x, key)).map((x) => x.seq).sort() : []
      assert.deepEqual(cut.filter((x) => covers(x, key)).map((x) => x.seq).sort(), want, `seed ${seed}`)
    }
  }
})
