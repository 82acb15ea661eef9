// The skip list on its own: nodes come out in internal order (user key as a binary string
// ascending, sequence descending) whatever the insertion order; seekGE and seekLT find the
// neighbours of any target, present or not; and a property against a sorted array.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { ValueKind } from '../../src/base/internal-key.js'
import { NONE, SkipList } from '../../src/memtable/skip-list.js'
import { binaryString } from '../../src/util/bytes.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

function listOf(entries: [string, number][]): SkipList {
  const list = new SkipList()
  for (const [k, seq] of entries) list.insert(k, enc.encode(k), seq, seq % 3 === 0 ? ValueKind.Deletion : ValueKind.Value, enc.encode(`${k}@${seq}`))
  return list
}

/** Every node from first() on, as "key@seq". */
function walk(list: SkipList): string[] {
  const out: string[] = []
  for (let n = list.first(); n !== NONE; n = list.next(n)) out.push(`${list.skey(n)}@${list.seq(n)}`)
  return out
}

const at = (list: SkipList, n: number): string | undefined => (n === NONE ? undefined : `${list.skey(n)}@${list.seq(n)}`)

test('nodes come out by key ascending, then sequence descending, whatever the insertion order', () => {
  const list = listOf([['b', 2], ['a', 1], ['c', 5], ['b', 7], ['a', 9], ['ab', 3], ['', 4], ['b', 4]])
  assert.deepEqual(walk(list), ['@4', 'a@9', 'a@1', 'ab@3', 'b@7', 'b@4', 'b@2', 'c@5'])
  assert.equal(list.count, 8)
  const n = list.seekGE('b', 4)
  assert.equal(dec.decode(list.key(n)), 'b')
  assert.equal(dec.decode(list.value(n)), 'b@4')
  assert.equal(list.kind(list.seekGE('b', 2)), ValueKind.Value)
  assert.equal(list.kind(list.seekGE('a', 9)), ValueKind.Deletion)
})

test('an empty list: first() and every seek find nothing', () => {
  const list = new SkipList()
  assert.equal(list.first(), NONE)
  assert.equal(list.seekGE('a', 1), NONE)
  assert.equal(list.seekLT('a', 1), NONE)
  assert.equal(list.seekLT(), NONE)
  assert.equal(list.count, 0)
})

test('seekGE: the first node at or after (key, seq), for present and absent targets', () => {
  const list = listOf([['a', 1], ['b', 2], ['b', 7], ['d', 4]])
  assert.equal(at(list, list.seekGE('b', 7)), 'b@7', 'an exact match')
  assert.equal(at(list, list.seekGE('b', 9)), 'b@7', 'a sequence newer than any: the newest version')
  assert.equal(at(list, list.seekGE('b', 5)), 'b@2', 'between versions: the next older one')
  assert.equal(at(list, list.seekGE('b', 1)), 'd@4', 'older than every version: the next key')
  assert.equal(at(list, list.seekGE('c', 100)), 'd@4')
  assert.equal(at(list, list.seekGE('', 0)), 'a@1')
  assert.equal(at(list, list.seekGE('d', 3)), undefined, 'past the end')
  assert.equal(at(list, list.seekGE('e', 9)), undefined)
})

test('seekLT: the last node strictly before (key, seq); with no argument, the last node', () => {
  const list = listOf([['a', 1], ['b', 2], ['b', 7], ['d', 4]])
  assert.equal(at(list, list.seekLT()), 'd@4')
  assert.equal(at(list, list.seekLT('b', 2)), 'b@7', 'strictly before: not the match itself')
  assert.equal(at(list, list.seekLT('b', 7)), 'a@1')
  assert.equal(at(list, list.seekLT('b', 9)), 'a@1', 'newer than every version of b sorts before them all')
  assert.equal(at(list, list.seekLT('b', 0)), 'b@2', 'sequence 0 sorts after every version')
  assert.equal(at(list, list.seekLT('b')), 'b@2', 'the sequence defaults to 0: after all of b')
  assert.equal(at(list, list.seekLT('c')), 'b@2')
  assert.equal(at(list, list.seekLT('a', 1)), undefined, 'nothing before the first node')
  assert.equal(at(list, list.seekLT('')), undefined)
  assert.equal(at(list, list.seekLT('z')), 'd@4')
})

test('keys are ordered as bytes: the binary string of a key above 0x7f sorts after ASCII', () => {
  const list = new SkipList()
  for (const bytes of [[0xff], [0x41], [0x80, 0x00], [0x7f], [0x80]]) {
    const key = Uint8Array.from(bytes)
    list.insert(binaryString(key), key, 1, ValueKind.Value, new Uint8Array(0))
  }
  const keys: number[][] = []
  for (let n = list.first(); n !== NONE; n = list.next(n)) keys.push([...list.key(n)])
  assert.deepEqual(keys, [[0x41], [0x7f], [0x80], [0x80, 0x00], [0xff]])
})

test('values and keys survive growth past the initial node arrays (1024 nodes) and the arena chunk', () => {
  const list = new SkipList()
  const value = new Uint8Array(300)
  for (let i = 0; i < 5000; i++) {
    const k = `k${String((i * 7919) % 5000).padStart(5, '0')}`
    value.fill(i & 0xff)
    list.insert(k, enc.encode(k), i + 1, ValueKind.Value, value)
  }
  assert.equal(list.count, 5000)
  let prev = ''
  let seen = 0
  for (let n = list.first(); n !== NONE; n = list.next(n)) {
    const k = list.skey(n)
    assert.ok(k > prev, `${k} after ${prev}`)
    assert.equal(dec.decode(list.key(n)), k)
    assert.ok(list.value(n).every((b) => b === ((list.seq(n) - 1) & 0xff)))
    prev = k
    seen++
  }
  assert.equal(seen, 5000)
})

test('property: order, seekGE and seekLT agree with a sorted array of the same entries', () => {
  const cmp = (a: [string, number], b: [string, number]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : b[1] - a[1])
  const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', '\u00ff'), maxLength: 3 })
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(keyArb, fc.integer({ min: 0, max: 50 })), { maxLength: 80, selector: ([k, s]) => `${k}@${s}` }),
      fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 51 })), { maxLength: 10 }),
      (entries, targets) => {
        const list = listOf(entries)
        const sorted = [...entries].sort(cmp)
        assert.deepEqual(walk(list), sorted.map(([k, s]) => `${k}@${s}`))
        const name = (e: [string, number] | undefined) => (e === undefined ? undefined : `${e[0]}@${e[1]}`)
        assert.equal(at(list, list.seekLT()), name(sorted[sorted.length - 1]))
        for (const t of targets) {
          assert.equal(at(list, list.seekGE(t[0], t[1])), name(sorted.find((e) => cmp(e, t) >= 0)))
          assert.equal(at(list, list.seekLT(t[0], t[1])), name([...sorted].reverse().find((e) => cmp(e, t) < 0)))
        }
      },
    ),
    { numRuns: 1000 },
  )
})
