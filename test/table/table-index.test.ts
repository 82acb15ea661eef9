import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compareInternalKeys, encodeInternalKey } from '../../src/base/internal-key.js'
import { compareBytes } from '../../src/util/bytes.js'
import { ByteWriter } from '../../src/util/coding.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import { Block } from '../../src/table/block.js'
import { encodeBlockHandle } from '../../src/table/format.js'
import { TableIndex } from '../../src/table/table-index.js'

/** An index over the given (sorted) internal keys, block i at offset i. */
function indexOf(keys: readonly Uint8Array[]): TableIndex {
  const b = new BlockBuilder(4)
  keys.forEach((k, i) => {
    const w = new ByteWriter()
    encodeBlockHandle(w, { offset: i, size: 1 })
    b.add(k, w.finish())
  })
  return TableIndex.decode(new Block(b.finish().slice(), 'index', 0))
}

/** The answer by definition: the first key >= target. */
function naiveFind(keys: readonly Uint8Array[], target: Uint8Array): number {
  const i = keys.findIndex((k) => compareInternalKeys(k, target) >= 0)
  return i < 0 ? keys.length : i
}

const byteKey = (alphabet: number[]) => fc.uint8Array({ minLength: 0, maxLength: 9 }).map((u) => Uint8Array.from(u, (b) => alphabet[b % alphabet.length]!))

test('find agrees with a linear search over whole keys (shared prefixes, ties in the window, zero bytes, short keys)', () => {
  // A tiny alphabet with 0 makes ties, keys that end inside the window and common prefixes likely.
  const alphabet = [0, 1, 2, 0xff]
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 6 }),
      fc.array(fc.tuple(byteKey(alphabet), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 40 }),
      fc.array(fc.tuple(byteKey(alphabet), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 30 }),
      (prefix, entries, targets) => {
        const withPrefix = (u: Uint8Array) => Uint8Array.from([...prefix, ...u])
        const keys = entries.map(([u, s]) => encodeInternalKey(withPrefix(u), s, 1)).sort(compareInternalKeys)
        const unique = keys.filter((k, i) => i === 0 || compareBytes(k, keys[i - 1]!) !== 0)
        const index = indexOf(unique)
        for (const [u, s] of targets) {
          // Targets with the prefix, and some without (cut short or changed).
          for (const user of [withPrefix(u), u, prefix.subarray(0, prefix.length >> 1)]) {
            const target = encodeInternalKey(user, s, 0)
            assert.equal(index.find(target), naiveFind(unique, target), `target ${Buffer.from(target).toString('hex')}`)
            assert.equal(index.findLinear(target), naiveFind(unique, target), `findLinear, target ${Buffer.from(target).toString('hex')}`)
          }
        }
        for (const k of unique) assert.equal(index.find(k), naiveFind(unique, k))
        for (const k of unique) assert.equal(index.findLinear(k), naiveFind(unique, k))
      },
    ),
    { numRuns: 400 },
  )
})

test('find on db_bench-style decimal keys, where the window after the shared prefix decides', () => {
  const keys: Uint8Array[] = []
  for (let i = 0; i < 500; i++) keys.push(encodeInternalKey(Buffer.from(String(4_000_000 + i * 37).padStart(16, '0')), 9, 1))
  const index = indexOf(keys)
  for (let i = 3_999_000; i < 4_020_000; i += 7) {
    const target = encodeInternalKey(Buffer.from(String(i).padStart(16, '0')), 5, 0)
    assert.equal(index.find(target), naiveFind(keys, target))
  }
  // The same user key as an index key: sequences decide, newer first.
  const k = Buffer.from(String(4_000_037).padStart(16, '0'))
  assert.equal(index.find(encodeInternalKey(k, 10, 0)), 1)
  assert.equal(index.find(encodeInternalKey(k, 9, 0)), 1)
  assert.equal(index.find(encodeInternalKey(k, 8, 0)), 2)
})

test('find with an index key too short for a trailer (damage) falls back to whole-key search', () => {
  const keys = [Uint8Array.from([1, 2, 3]), encodeInternalKey(Uint8Array.from([5]), 1, 1)]
  const index = indexOf(keys)
  for (const user of [[0], [1], [5], [6]]) {
    const target = encodeInternalKey(Uint8Array.from(user), 1, 0)
    assert.equal(index.find(target), naiveFind(keys, target))
  }
})

test('find when every block ties on the window (keys differ only after it)', () => {
  const keys: Uint8Array[] = []
  for (let i = 0; i < 300; i++) keys.push(encodeInternalKey(Buffer.from(`user:${String.fromCharCode(65 + (i % 3))}xyz/${String(i).padStart(5, '0')}`), 3, 1))
  keys.sort(compareInternalKeys)
  const index = indexOf(keys)
  for (let i = -5; i < 310; i++) {
    for (const c of ['A', 'B', 'C']) {
      const target = encodeInternalKey(Buffer.from(`user:${c}xyz/${String(i).padStart(5, '0')}`), 3, 0)
      assert.equal(index.find(target), naiveFind(keys, target))
    }
  }
})
