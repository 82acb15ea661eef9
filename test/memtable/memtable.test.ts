import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Memtable } from '../../src/memtable/memtable.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { Random } from '../helpers/random.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)
const s = (u: Uint8Array): string => new TextDecoder().decode(u)

test('memtable get returns the newest version at or below the read sequence', () => {
  const m = new Memtable(1)
  m.add(b('a'), 1, ValueKind.Value, b('one'))
  m.add(b('a'), 3, ValueKind.Value, b('three'))
  m.add(b('a'), 5, ValueKind.Deletion, new Uint8Array(0))
  assert.equal(m.get(b('a'), 0), undefined)
  assert.equal(s(m.get(b('a'), 2)!.value), 'one')
  assert.equal(s(m.get(b('a'), 4)!.value), 'three')
  assert.equal(m.get(b('a'), 9)!.kind, ValueKind.Deletion)
  assert.equal(m.get(b('b'), 9), undefined)
  assert.equal(m.get(b('A'), 9), undefined)
})

test('memtable cursor orders by user key ascending then sequence descending, both ways', () => {
  const r = new Random(7)
  const m = new Memtable(1)
  const entries: [string, number][] = []
  for (let seq = 1; seq <= 500; seq++) {
    const k = `k${r.int(50)}`
    m.add(b(k), seq, ValueKind.Value, b(String(seq)))
    entries.push([k, seq])
  }
  entries.sort(([ka, sa], [kb, sb]) => (ka < kb ? -1 : ka > kb ? 1 : sb - sa))
  const it = m.iterator()
  const forward: [string, number][] = []
  for (it.seekToFirst(); it.valid(); it.next()) forward.push([s(it.key()), it.seq()])
  assert.deepEqual(forward, entries)
  const backward: [string, number][] = []
  for (it.seekToLast(); it.valid(); it.prev()) backward.push([s(it.key()), it.seq()])
  assert.deepEqual(backward, [...entries].reverse())
})

test('memtable seek and seekForPrev land on the right internal keys', () => {
  const m = new Memtable(1)
  m.add(b('b'), 2, ValueKind.Value, b('b2'))
  m.add(b('b'), 4, ValueKind.Value, b('b4'))
  m.add(b('d'), 3, ValueKind.Value, b('d3'))
  const it = m.iterator()
  it.seek(b('b'), 3)
  assert.equal(s(it.value()), 'b2')
  it.seek(b('c'), 100)
  assert.equal(s(it.value()), 'd3')
  it.seek(b('e'), 100)
  assert.equal(it.valid(), false)
  it.seekForPrev(b('b'), 3) // last entry <= (b, 3) is (b, 4)
  assert.equal(s(it.value()), 'b4')
  it.seekForPrev(b('c'), 0)
  assert.equal(s(it.value()), 'b2')
  it.seekForPrev(b('a'), 0)
  assert.equal(it.valid(), false)
  it.seekForPrev(b('z'), 0)
  assert.equal(s(it.value()), 'd3')
})

test('memtable size grows with the bytes added', () => {
  const m = new Memtable(1)
  assert.equal(m.approximateBytes, 0)
  m.add(b('key'), 1, ValueKind.Value, new Uint8Array(1000))
  assert.ok(m.approximateBytes >= 1003)
  assert.equal(m.count, 1)
  assert.equal(m.largestSeq, 1)
})
