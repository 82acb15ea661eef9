import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ShaleError } from '../../src/errors.js'
import { compareBytes } from '../../src/util/bytes.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import { Block, BlockCursor, type BlockSearch } from '../../src/table/block.js'

const enc = new TextEncoder()
const dec = new TextDecoder()
const b = (s: string): Uint8Array => enc.encode(s)

function buildBlock(entries: [Uint8Array, Uint8Array][], interval: number): Uint8Array {
  const builder = new BlockBuilder(interval)
  for (const [k, v] of entries) builder.add(k, v)
  return builder.finish().slice()
}

function isCorruption(err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'CORRUPTION'
}

/** Sorted unique keys with a small alphabet so prefixes are shared often. */
const sortedEntries = fc
  .uniqueArray(fc.uint8Array({ minLength: 0, maxLength: 12 }).map((k) => k.map((x) => 97 + (x % 4))), {
    comparator: (x, y) => compareBytes(x, y) === 0,
    maxLength: 60,
  })
  .chain((keys) => {
    keys.sort(compareBytes)
    return fc.tuple(...keys.map((k) => fc.uint8Array({ maxLength: 20 }).map((v): [Uint8Array, Uint8Array] => [k, v])))
  })

test('block layout is pinned: prefix compression and restart array', () => {
  const data = buildBlock(
    [
      [b('apple'), b('1')],
      [b('apply'), b('22')],
      [b('banana'), b('')],
    ],
    2,
  )
  // prettier-ignore
  const want = [
    0, 5, 1, ...b('apple'), ...b('1'),   // restart 0: full key
    4, 1, 2, ...b('y'), ...b('22'),      // shares "appl"
    0, 6, 0, ...b('banana'),             // restart 1: full key again
    0, 0, 0, 0, 15, 0, 0, 0,             // restart offsets 0 and 15
    2, 0, 0, 0,                          // restart count
  ]
  assert.deepEqual([...data], want)
})

test('an empty block is a zero restart count and has no entries', () => {
  const builder = new BlockBuilder(4)
  assert.equal(builder.isEmpty(), true)
  assert.equal(builder.estimatedSize(), 4)
  const data = builder.finish()
  assert.deepEqual([...data], [0, 0, 0, 0])
  const c = new BlockCursor(new Block(data, 'f.sst', 0), compareBytes)
  c.seekToFirst()
  assert.equal(c.valid(), false)
  c.seekToLast()
  assert.equal(c.valid(), false)
  c.seek(b('x'))
  assert.equal(c.valid(), false)
  c.seekForPrev(b('x'))
  assert.equal(c.valid(), false)
})

test('BlockBuilder.estimatedSize() equals the finished size, and reset() starts over', () => {
  const builder = new BlockBuilder(3)
  for (let i = 0; i < 10; i++) builder.add(b(`key${i}`), b('v'.repeat(i)))
  const estimate = builder.estimatedSize()
  assert.equal(builder.finish().length, estimate)
  assert.throws(() => builder.add(b('zz'), b('')), /finished/)
  builder.reset()
  assert.equal(builder.isEmpty(), true)
  builder.add(b('a'), b('b'))
  assert.deepEqual([...builder.finish()], [0, 1, 1, 97, 98, 0, 0, 0, 0, 1, 0, 0, 0])
})

test('block cursor agrees with a sorted-array model', () => {
  fc.assert(
    fc.property(
      sortedEntries,
      fc.integer({ min: 1, max: 16 }),
      fc.constantFrom<BlockSearch>('binary', 'linear'),
      fc.array(fc.uint8Array({ maxLength: 12 }).map((k) => k.map((x) => 97 + (x % 5))), { maxLength: 20 }),
      (entries, interval, search, probes) => {
        const block = new Block(buildBlock(entries, interval), 'f.sst', 4096)
        const c = new BlockCursor(block, compareBytes, search)
        // Forward.
        const forward: string[] = []
        for (c.seekToFirst(); c.valid(); c.next()) forward.push(`${dec.decode(c.key())}=${c.value().join(',')}`)
        assert.deepEqual(forward, entries.map(([k, v]) => `${dec.decode(k)}=${v.join(',')}`))
        // Backward.
        const backward: string[] = []
        for (c.seekToLast(); c.valid(); c.prev()) backward.push(dec.decode(c.key()))
        assert.deepEqual(backward, entries.map(([k]) => dec.decode(k)).reverse())
        // Seeks, with the existing keys among the probes.
        for (const probe of [...probes, ...entries.map(([k]) => k)]) {
          const ge = entries.findIndex(([k]) => compareBytes(k, probe) >= 0)
          c.seek(probe)
          if (ge < 0) assert.equal(c.valid(), false)
          else {
            assert.deepEqual(c.key(), entries[ge]![0])
            assert.deepEqual(c.value(), entries[ge]![1])
            // Step both ways from the sought position.
            c.prev()
            if (ge === 0) assert.equal(c.valid(), false)
            else assert.deepEqual(c.key(), entries[ge - 1]![0])
          }
          let le = -1
          for (let i = 0; i < entries.length; i++) if (compareBytes(entries[i]![0], probe) <= 0) le = i
          c.seekForPrev(probe)
          if (le < 0) assert.equal(c.valid(), false)
          else {
            assert.deepEqual(c.key(), entries[le]![0])
            c.next()
            if (le === entries.length - 1) assert.equal(c.valid(), false)
            else assert.deepEqual(c.key(), entries[le + 1]![0])
          }
        }
      },
    ),
    { numRuns: 200 },
  )
})

test('key() stays intact while the cursor stays put, and value() is a view of the block', () => {
  const entries: [Uint8Array, Uint8Array][] = []
  for (let i = 0; i < 50; i++) entries.push([b(`prefix-${String(i).padStart(3, '0')}`), b(`v${i}`)])
  const data = buildBlock(entries, 16)
  const c = new BlockCursor(new Block(data, 'f.sst', 0), compareBytes)
  c.seek(b('prefix-017'))
  const key = c.key()
  const value = c.value()
  assert.equal(dec.decode(key), 'prefix-017')
  // A second cursor moving over the same block must not disturb the first one's key.
  const other = new BlockCursor(new Block(data, 'f.sst', 0), compareBytes)
  for (other.seekToFirst(); other.valid(); other.next()) other.key()
  assert.equal(dec.decode(key), 'prefix-017')
  assert.equal(c.key(), key)
  assert.equal(value.buffer, data.buffer)
  assert.equal(dec.decode(value), 'v17')
})

test('long keys and values (multi-byte varints) round-trip', () => {
  const entries: [Uint8Array, Uint8Array][] = [
    [new Uint8Array(300).fill(1), new Uint8Array(70000).fill(7)],
    [new Uint8Array(301).fill(1), new Uint8Array(200).fill(8)],
    [new Uint8Array(20000).fill(2), new Uint8Array(0)],
  ]
  const c = new BlockCursor(new Block(buildBlock(entries, 2), 'f.sst', 0), compareBytes)
  let i = 0
  for (c.seekToFirst(); c.valid(); c.next(), i++) {
    assert.deepEqual(c.key(), entries[i]![0])
    assert.deepEqual(c.value(), entries[i]![1])
  }
  assert.equal(i, 3)
  c.seekToLast()
  c.prev()
  assert.deepEqual(c.key(), entries[1]![0])
})

test('Block rejects malformed restart arrays with CORRUPTION naming file and offset', () => {
  const cases: [string, number[]][] = [
    ['too short', [1, 0, 0]],
    ['count too large', [9, 0, 0, 0]],
    ['entries but no restarts', [0, 1, 1, 97, 98, 0, 0, 0, 0]],
    ['first restart not 0', [0, 1, 1, 97, 98, 1, 0, 0, 0, 1, 0, 0, 0]],
    ['restart past entries', [0, 1, 1, 97, 98, 0, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0]],
    ['restarts out of order', [0, 1, 1, 97, 98, 0, 1, 1, 97, 99, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]],
  ]
  for (const [name, bytes] of cases) {
    assert.throws(
      () => new Block(Uint8Array.from(bytes), '000042.sst', 8192),
      (err: unknown) => isCorruption(err) && /000042\.sst/.test((err as Error).message) && /block at offset 8192/.test((err as Error).message),
      name,
    )
  }
})

test('entries that lie about their lengths are CORRUPTION, never an overread', () => {
  const cases: [string, number[]][] = [
    // value length 9 runs past the entries end
    ['value overrun', [0, 1, 9, 97, 98, 0, 0, 0, 0, 1, 0, 0, 0]],
    // key length runs past the entries end
    ['key overrun', [0, 7, 0, 97, 98, 0, 0, 0, 0, 1, 0, 0, 0]],
    // shared bytes at a restart point
    ['shared at restart', [3, 1, 0, 97, 0, 0, 0, 0, 1, 0, 0, 0]],
    // second entry shares more than the first key has
    ['shared too long', [0, 1, 0, 97, 5, 1, 0, 98, 0, 0, 0, 0, 1, 0, 0, 0]],
    // header varint never terminates before the entries end
    ['truncated header', [0x80, 0x80, 0, 0, 0, 0, 1, 0, 0, 0]],
    ['overlong varint', [0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0]],
  ]
  for (const [name, bytes] of cases) {
    const block = new Block(Uint8Array.from(bytes), 'x.sst', 0)
    const c = new BlockCursor(block, compareBytes)
    assert.throws(
      () => {
        for (c.seekToFirst(); c.valid(); c.next()) c.key()
      },
      isCorruption,
      name,
    )
    const c2 = new BlockCursor(block, compareBytes)
    assert.throws(() => c2.seek(b('zzz')), isCorruption, `${name} (seek)`)
  }
})

test('random and mutated blocks give CORRUPTION or a clean walk, nothing else', () => {
  const exercise = (bytes: Uint8Array): void => {
    try {
      const block = new Block(bytes, 'fuzz.sst', 0)
      for (const search of ['binary', 'linear'] as const) {
        const c = new BlockCursor(block, compareBytes, search)
        let steps = 0
        for (c.seekToFirst(); c.valid() && steps < 10000; c.next(), steps++) c.key(), c.value()
        for (c.seekToLast(); c.valid() && steps < 20000; c.prev(), steps++) c.key()
        c.seek(b('m'))
        c.seekForPrev(b('m'))
      }
    } catch (err) {
      if (!isCorruption(err)) throw err
    }
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => exercise(bytes)), { numRuns: 2000 })
  fc.assert(
    fc.property(sortedEntries, fc.integer({ min: 1, max: 4 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (entries, interval, at, xor) => {
      const bytes = buildBlock(entries, interval)
      bytes[at % bytes.length]! ^= xor
      exercise(bytes)
      exercise(bytes.subarray(0, at % bytes.length))
    }),
    { numRuns: 1000 },
  )
})
