import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compareBytes } from '../../src/util/bytes.js'
import { TRAILER_SIZE, compareInternalKeyRange, compareInternalKeys, encodeInternalKey, sequenceAt, type ValueKind } from '../../src/base/internal-key.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import { Block, BlockCursor } from '../../src/table/block.js'
import { ABSENT, BlockGetResult, FOUND, PAST_END, USE_CURSOR, blockGet } from '../../src/table/block-get.js'

type Answer = 'past-end' | 'absent' | { seq: number; kind: number; value: string }

/** What TableReader.get made of a cursor seek: the first entry >= target, if it is a version of userKey. */
function cursorAnswer(block: Block, userKey: Uint8Array, seq: number, linear: boolean): Answer {
  const cursor = new BlockCursor(block, compareInternalKeys, linear ? 'linear' : 'binary', compareInternalKeyRange)
  cursor.seek(encodeInternalKey(userKey, seq, 0))
  if (!cursor.valid()) return 'past-end'
  const key = cursor.key()
  const n = key.length - TRAILER_SIZE
  if (n !== userKey.length || compareBytes(key.subarray(0, n), userKey) !== 0) return 'absent'
  return { seq: sequenceAt(key, n), kind: key[n]!, value: Buffer.from(cursor.value()).toString('hex') }
}

function blockGetAnswer(block: Block, userKey: Uint8Array, seq: number, linear: boolean): Answer | 'use-cursor' {
  const out = new BlockGetResult()
  const outcome = blockGet(block, encodeInternalKey(userKey, seq, 0), userKey, seq, linear, out)
  if (outcome === PAST_END) return 'past-end'
  if (outcome === ABSENT) return 'absent'
  if (outcome === USE_CURSOR) return 'use-cursor'
  assert.equal(outcome, FOUND)
  return { seq: out.seq, kind: out.kind, value: Buffer.from(block.data.subarray(out.valueStart, out.valueEnd)).toString('hex') }
}

/**
 * User keys over a tiny alphabet that includes the bytes trailers are made of (kinds 0 and
 * 1, small sequence numbers), so keys share prefixes, are prefixes of each other, and run
 * on into a shorter key's trailer bytes.
 */
const userKeyArb = fc.uint8Array({ minLength: 0, maxLength: 6 }).map((k) => k.map((x) => [0, 1, 2, 3, 97][x % 5]!))

/** Sorted unique user keys, each with 1-6 versions of distinct sequence numbers, newest first. */
const blockArb = fc
  .tuple(
    fc.uniqueArray(userKeyArb, { comparator: (x, y) => compareBytes(x, y) === 0, maxLength: 40 }),
    fc.integer({ min: 1, max: 16 }),
    fc.integer({ min: 0, max: 1 << 30 }),
  )
  .map(([keys, interval, seed]) => {
    keys.sort(compareBytes)
    let s = seed
    const random = (n: number): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      return s % n
    }
    const builder = new BlockBuilder(interval)
    for (const key of keys) {
      const versions = 1 + random(6)
      const seqs = new Set<number>()
      // Mostly small sequence numbers (bytes like the keys'), sometimes large ones.
      while (seqs.size < versions) seqs.add(random(4) === 0 ? random(2 ** 40) : random(12))
      for (const seq of [...seqs].sort((a, b) => b - a)) {
        builder.add(encodeInternalKey(key, seq, random(2) as ValueKind), Uint8Array.of(random(256), seq & 0xff))
      }
    }
    return { keys, block: new Block(builder.finish().slice(), 'test.sst', 0) }
  })

test('blockGet answers what a cursor seek answers, for keys present, absent, prefixes and extensions, at any read sequence', () => {
  let found = 0
  fc.assert(
    fc.property(blockArb, fc.array(fc.tuple(userKeyArb, fc.nat(20), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 40 }), (built, queries) => {
      for (const [randomKey, seqPick, usePresent, linear] of queries) {
        const key = usePresent && built.keys.length > 0 ? built.keys[seqPick % built.keys.length]! : randomKey
        for (const seq of [seqPick, seqPick * 3, 2 ** 40 + seqPick, 2 ** 41]) {
          const expected = cursorAnswer(built.block, key, seq, linear)
          const got = blockGetAnswer(built.block, key, seq, linear)
          // Asking a cursor instead is always allowed; any answer must be the cursor's.
          if (got !== 'use-cursor') assert.deepEqual(got, expected, `key ${Buffer.from(key).toString('hex')} at ${seq}`)
          if (typeof got === 'object') found++
        }
      }
    }),
    { numRuns: 400 },
  )
  assert.ok(found > 1000, `only ${found} lookups found a version`)
})

test('blockGet finds every version at its own sequence and the newest visible one between', () => {
  const key = (i: number): Uint8Array => new TextEncoder().encode(String(i).padStart(16, '0'))
  const builder = new BlockBuilder(16)
  for (let i = 0; i < 20; i++) for (const seq of [300 + i, 200 + i, 100 + i]) builder.add(encodeInternalKey(key(i), seq, seq >= 300 ? 0 : 1), Uint8Array.of(i, seq & 0xff))
  const block = new Block(builder.finish().slice(), 'test.sst', 0)
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(blockGetAnswer(block, key(i), 99, false), cursorAnswer(block, key(i), 99, false))
    for (const seq of [100 + i, 150 + i, 200 + i, 250 + i, 300 + i, 1e9]) {
      const got = blockGetAnswer(block, key(i), seq, false)
      const visible = seq >= 300 + i ? 300 + i : seq >= 200 + i ? 200 + i : 100 + i
      assert.deepEqual(got, { seq: visible, kind: visible >= 300 ? 0 : 1, value: Buffer.from([i, visible & 0xff]).toString('hex') })
    }
  }
  assert.equal(blockGetAnswer(block, key(5).subarray(0, 15), 1e9, false), 'absent')
  assert.equal(blockGetAnswer(block, key(99), 1e9, false), 'past-end')
})
