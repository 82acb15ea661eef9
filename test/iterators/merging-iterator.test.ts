import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MergingIterator } from '../../src/iterators/merging-iterator.js'
import { Memtable } from '../../src/memtable/memtable.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { Random } from '../helpers/random.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)
const s = (u: Uint8Array): string => new TextDecoder().decode(u)

function build(seed: number): { sources: Memtable[]; all: [string, number][] } {
  const r = new Random(seed)
  const sources = [new Memtable(1), new Memtable(2), new Memtable(3)]
  const all: [string, number][] = []
  for (let seq = 1; seq <= 300; seq++) {
    const k = `k${String(r.int(40)).padStart(2, '0')}`
    r.pick(sources).add(b(k), seq, ValueKind.Value, b(''))
    all.push([k, seq])
  }
  all.sort(([ka, sa], [kb, sb]) => (ka < kb ? -1 : ka > kb ? 1 : sb - sa))
  return { sources, all }
}

test('merging iterator yields every entry of every source in internal order', () => {
  const { sources, all } = build(1)
  const it = new MergingIterator(sources.map((m) => m.iterator()))
  const got: [string, number][] = []
  for (it.seekToFirst(); it.valid(); it.next()) got.push([s(it.key()), it.seq()])
  assert.deepEqual(got, all)
  const back: [string, number][] = []
  for (it.seekToLast(); it.valid(); it.prev()) back.push([s(it.key()), it.seq()])
  assert.deepEqual(back, [...all].reverse())
})

test('merging iterator switches direction mid-stream without skipping or repeating', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const { sources, all } = build(seed)
    const r = new Random(seed)
    const it = new MergingIterator(sources.map((m) => m.iterator()))
    let pos = r.int(all.length)
    it.seek(b(all[pos]![0]), all[pos]![1])
    for (let step = 0; step < 200; step++) {
      assert.deepEqual([s(it.key()), it.seq()], all[pos], `seed ${seed} step ${step}`)
      if ((r.bool() && pos + 1 < all.length) || pos === 0) {
        it.next()
        pos++
      } else {
        it.prev()
        pos--
      }
    }
  }
})

test('merging iterator seekForPrev finds the last entry at or before the target', () => {
  const { sources, all } = build(3)
  const it = new MergingIterator(sources.map((m) => m.iterator()))
  for (const [k, seq] of all) {
    it.seekForPrev(b(k), seq)
    assert.deepEqual([s(it.key()), it.seq()], [k, seq])
  }
  it.seekForPrev(b('a'), 0)
  assert.equal(it.valid(), false)
})
