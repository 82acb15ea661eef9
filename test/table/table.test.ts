import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ShaleError } from '../../src/errors.js'
import { ValueKind, compareInternal, compareInternalKeyRange, compareInternalKeys, encodeInternalKey, sequenceOf, userKeyOf } from '../../src/base/internal-key.js'
import type { InternalIterator } from '../../src/base/internal-iterator.js'
import { compareBytes } from '../../src/util/bytes.js'
import { BlockCache } from '../../src/table/block-cache.js'
import type { BlockSearch } from '../../src/table/block.js'
import { FOOTER_SIZE, decodeFooter } from '../../src/table/format.js'
import { TableBuilder, type TableBuilderOptions } from '../../src/table/table-builder.js'
import { TableReader, type TableReaderOptions } from '../../src/table/table-reader.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from '../helpers/memory-files.js'

interface Entry {
  key: Uint8Array
  seq: number
  kind: ValueKind
  value: Uint8Array
}

const enc = new TextEncoder()
const dec = new TextDecoder()
const b = (s: string): Uint8Array => enc.encode(s)
const byInternal = (x: Entry, y: Entry): number => compareInternal(x.key, x.seq, y.key, y.seq)

const defaults: TableBuilderOptions = { blockSize: 64, restartInterval: 4, bloomBitsPerKey: 10 }

function build(entries: readonly Entry[], options: Partial<TableBuilderOptions> = {}) {
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, { ...defaults, ...options }, 'test.sst')
  for (const e of entries) builder.add(e.key, e.seq, e.kind, e.value)
  const result = builder.finish()
  return { bytes: file.bytes(), result, file }
}

function open(bytes: Uint8Array, options: Partial<TableReaderOptions> = {}) {
  const file = new MemoryRandomAccessFile(bytes)
  const reader = TableReader.open(file, 'test.sst', { blockCache: undefined, paranoidChecks: true, search: 'binary', ...options })
  return { reader, file }
}

const show = (it: InternalIterator): string => `${dec.decode(it.key())}@${it.seq()}${it.kind() === ValueKind.Deletion ? 'x' : ''}=${dec.decode(it.value())}`
const showEntry = (e: Entry): string => `${dec.decode(e.key)}@${e.seq}${e.kind === ValueKind.Deletion ? 'x' : ''}=${dec.decode(e.value)}`

/** Model answers over a sorted entry array. */
function modelGet(entries: readonly Entry[], key: Uint8Array, seq: number): Entry | undefined {
  return entries.find((e) => compareBytes(e.key, key) === 0 && e.seq <= seq)
}
function modelSeek(entries: readonly Entry[], key: Uint8Array, seq: number): number {
  return entries.findIndex((e) => compareInternal(e.key, e.seq, key, seq) >= 0)
}
function modelSeekForPrev(entries: readonly Entry[], key: Uint8Array, seq: number): number {
  let at = -1
  for (let i = 0; i < entries.length; i++) if (compareInternal(entries[i]!.key, entries[i]!.seq, key, seq) <= 0) at = i
  return at
}

const keyArb = fc.uint8Array({ minLength: 0, maxLength: 10 }).map((k) => k.map((x) => 97 + (x % 3)))
const entriesArb = fc
  .uniqueArray(
    fc.record({
      key: keyArb,
      seq: fc.integer({ min: 0, max: 40 }),
      kind: fc.constantFrom<ValueKind>(ValueKind.Value, ValueKind.Value, ValueKind.Deletion),
      value: fc.oneof(fc.string({ maxLength: 12 }), fc.string({ minLength: 60, maxLength: 200 })).map(b),
    }),
    { minLength: 1, maxLength: 80, comparator: (x, y) => byInternal(x, y) === 0 },
  )
  .map((es) => es.sort(byInternal))
const probeArb = fc.array(fc.record({ key: keyArb, seq: fc.integer({ min: 0, max: 45 }) }), { maxLength: 25 })

test('table round-trips random entries: get, seek, seekForPrev and both directions agree with a model', () => {
  fc.assert(
    fc.property(
      entriesArb,
      probeArb,
      fc.integer({ min: 1, max: 16 }),
      fc.constantFrom(0, 10),
      fc.constantFrom<BlockSearch>('binary', 'linear'),
      fc.boolean(),
      (entries, probes, restartInterval, bloomBitsPerKey, search, cached) => {
        const { bytes, result } = build(entries, { restartInterval, bloomBitsPerKey })
        const blockCache = cached ? new BlockCache(1024) : undefined
        const { reader } = open(bytes, { search, blockCache })
        assert.equal(result.fileSize, bytes.length)
        assert.equal(result.entries, entries.length)
        assert.deepEqual(result.smallestKey, entries[0]!.key)
        assert.equal(result.smallestSeq, entries[0]!.seq)
        assert.deepEqual(result.largestKey, entries.at(-1)!.key)
        assert.equal(result.largestSeq, entries.at(-1)!.seq)
        const props = reader.properties()
        assert.equal(props.entries, entries.length)
        assert.equal(props.deletions, entries.filter((e) => e.kind === ValueKind.Deletion).length)
        assert.equal(props.dataBlocks, result.dataBlocks)
        assert.equal(props.smallestSeq, Math.min(...entries.map((e) => e.seq)))
        assert.equal(props.largestSeq, Math.max(...entries.map((e) => e.seq)))
        assert.equal(props.rawValueBytes, entries.reduce((s, e) => s + e.value.length, 0))

        const it = reader.iterator()
        const forward: string[] = []
        for (it.seekToFirst(); it.valid(); it.next()) forward.push(show(it))
        assert.deepEqual(forward, entries.map(showEntry))
        const backward: string[] = []
        for (it.seekToLast(); it.valid(); it.prev()) backward.push(show(it))
        assert.deepEqual(backward, entries.map(showEntry).reverse())

        const allProbes = [...probes, ...entries.map((e) => ({ key: e.key, seq: e.seq })), ...entries.map((e) => ({ key: e.key, seq: e.seq + 1 }))]
        for (const { key, seq } of allProbes) {
          const want = modelGet(entries, key, seq)
          const got = reader.get(key, seq)
          if (want === undefined) assert.equal(got, undefined)
          else assert.deepEqual(got && { seq: got.seq, kind: got.kind, value: dec.decode(got.value) }, { seq: want.seq, kind: want.kind, value: dec.decode(want.value) })

          const ge = modelSeek(entries, key, seq)
          it.seek(key, seq)
          if (ge < 0) assert.equal(it.valid(), false)
          else {
            assert.equal(show(it), showEntry(entries[ge]!))
            it.prev()
            if (ge === 0) assert.equal(it.valid(), false)
            else assert.equal(show(it), showEntry(entries[ge - 1]!))
          }
          const le = modelSeekForPrev(entries, key, seq)
          it.seekForPrev(key, seq)
          if (le < 0) assert.equal(it.valid(), false)
          else {
            assert.equal(show(it), showEntry(entries[le]!))
            it.next()
            if (le === entries.length - 1) assert.equal(it.valid(), false)
            else assert.equal(show(it), showEntry(entries[le + 1]!))
          }
        }
        it.close()
        reader.close()
      },
    ),
    { numRuns: 150 },
  )
})

test('versions of one user key spread over many blocks are found by seq', () => {
  const entries: Entry[] = []
  entries.push({ key: b('a'), seq: 7, kind: ValueKind.Value, value: b('before') })
  for (let seq = 100; seq >= 1; seq--) {
    entries.push({ key: b('hot'), seq: seq * 2, kind: seq % 10 === 0 ? ValueKind.Deletion : ValueKind.Value, value: b(`v${seq * 2}`) })
  }
  entries.push({ key: b('z'), seq: 1, kind: ValueKind.Value, value: b('after') })
  const { bytes, result } = build(entries, { blockSize: 64, restartInterval: 3 })
  assert.ok(result.dataBlocks > 20, `only ${result.dataBlocks} blocks`)
  const { reader } = open(bytes)
  const it = reader.iterator()
  for (let seq = 0; seq <= 205; seq++) {
    const want = modelGet(entries, b('hot'), seq)
    const got = reader.get(b('hot'), seq)
    assert.equal(got?.seq, want?.seq, `get seq ${seq}`)
    if (want !== undefined) assert.equal(dec.decode(got!.value), dec.decode(want.value))
    it.seek(b('hot'), seq)
    assert.equal(show(it), showEntry(entries[modelSeek(entries, b('hot'), seq)]!), `seek seq ${seq}`)
    it.seekForPrev(b('hot'), seq)
    assert.equal(show(it), showEntry(entries[modelSeekForPrev(entries, b('hot'), seq)]!), `seekForPrev seq ${seq}`)
  }
  assert.equal(reader.get(b('hot'), 1), undefined)
  assert.equal(reader.get(b('ho'), 1000), undefined)
  assert.equal(reader.get(b('hott'), 1000), undefined)
})

test('an entry larger than a block gets a block of its own and is never read for its neighbours', () => {
  const big = new Uint8Array(5000).fill(0x42)
  const entries: Entry[] = [
    { key: b('a'), seq: 1, kind: ValueKind.Value, value: b('small-a') },
    { key: b('b'), seq: 1, kind: ValueKind.Value, value: big },
    { key: b('c'), seq: 1, kind: ValueKind.Value, value: b('small-c') },
    { key: b('d'), seq: 1, kind: ValueKind.Value, value: big },
    { key: b('e'), seq: 1, kind: ValueKind.Value, value: big },
  ]
  const { bytes, result } = build(entries, { blockSize: 256 })
  assert.equal(result.dataBlocks, 5)
  const { reader, file } = open(bytes)
  const before = file.bytesRead
  assert.equal(dec.decode(reader.get(b('a'), 5)!.value), 'small-a')
  assert.equal(dec.decode(reader.get(b('c'), 5)!.value), 'small-c')
  assert.ok(file.bytesRead - before < 200, `read ${file.bytesRead - before} bytes for two small entries`)
  assert.deepEqual(reader.get(b('d'), 5)!.value, big)
  const it = reader.iterator()
  const seen: number[] = []
  for (it.seekToFirst(); it.valid(); it.next()) seen.push(it.value().length)
  assert.deepEqual(seen, [7, 5000, 7, 5000, 5000])
})

test('a value larger than the append chunk is written and read back whole', () => {
  const huge = new Uint8Array(300_000)
  for (let i = 0; i < huge.length; i++) huge[i] = (i * 7) & 0xff
  const entries: Entry[] = [
    { key: b('k1'), seq: 3, kind: ValueKind.Value, value: b('x') },
    { key: b('k2'), seq: 2, kind: ValueKind.Value, value: huge },
    { key: b('k3'), seq: 1, kind: ValueKind.Value, value: b('y') },
  ]
  const { bytes } = build(entries, { blockSize: 4096 })
  const { reader } = open(bytes)
  assert.deepEqual(reader.get(b('k2'), 10)!.value, huge)
  assert.equal(dec.decode(reader.get(b('k3'), 10)!.value), 'y')
})

test('the last partial block is written, and no empty block is', () => {
  const entries: Entry[] = []
  for (let i = 0; i < 37; i++) entries.push({ key: b(`key${String(i).padStart(3, '0')}`), seq: 1, kind: ValueKind.Value, value: b('v') })
  const { bytes, result } = build(entries, { blockSize: 100, restartInterval: 2 })
  const { reader } = open(bytes)
  assert.equal(reader.get(b('key036'), 1)?.value.length, 1)
  // Every block in the index holds at least one entry: walking block by block finds all 37.
  const it = reader.iterator()
  let n = 0
  for (it.seekToFirst(); it.valid(); it.next()) n++
  assert.equal(n, 37)
  assert.equal(reader.stats.blockReads, result.dataBlocks + 1) // the get above, then one read per block
  // Exactly at the block size boundary: the builder flushes, finish() adds no empty block.
  const one = build([{ key: b('k'), seq: 1, kind: ValueKind.Value, value: new Uint8Array(200) }], { blockSize: 100 })
  assert.equal(one.result.dataBlocks, 1)
})

test('the builder rejects out-of-order and duplicate entries, and an empty table', () => {
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, defaults, 'order.sst')
  assert.throws(() => builder.finish(), /at least one entry/)
  const fresh = new TableBuilder(new MemoryWritableFile(), defaults, 'order.sst')
  fresh.add(b('b'), 5, ValueKind.Value, b(''))
  assert.throws(() => fresh.add(b('a'), 9, ValueKind.Value, b('')), /does not sort after/)
  const dup = new TableBuilder(new MemoryWritableFile(), defaults, 'order.sst')
  dup.add(b('b'), 5, ValueKind.Value, b(''))
  dup.add(b('b'), 4, ValueKind.Deletion, b(''))
  assert.throws(() => dup.add(b('b'), 4, ValueKind.Value, b('')), /does not sort after/)
  assert.throws(() => dup.add(b('b'), 6, ValueKind.Value, b('')), Error)
  // A rejected entry leaves no trace: the builder goes on from the last accepted one.
  dup.add(b('c'), 1, ValueKind.Value, b('c'))
  const dupFile = new MemoryWritableFile()
  const again = new TableBuilder(dupFile, defaults, 'order.sst')
  again.add(b('b'), 5, ValueKind.Value, b(''))
  assert.throws(() => again.add(b('a'), 1, ValueKind.Value, b('')))
  again.add(b('c'), 1, ValueKind.Value, b('c'))
  const r = again.finish()
  assert.equal(r.entries, 2)
  assert.deepEqual(r.largestKey, b('c'))
  const bad = new TableBuilder(new MemoryWritableFile(), defaults, 'order.sst')
  assert.throws(() => bad.add(b('a'), -1, ValueKind.Value, b('')), RangeError)
  assert.throws(() => bad.add(b('a'), 1.5, ValueKind.Value, b('')), RangeError)
  assert.throws(() => bad.add(b('a'), 1, 7 as ValueKind, b('')), RangeError)
})

test('finish() appends in chunks, not once per block, and estimatedFileSize() tracks progress', () => {
  for (const compression of ['none', 'lz4'] as const) {
    const file = new MemoryWritableFile()
    const builder = new TableBuilder(file, { blockSize: 128, restartInterval: 16, bloomBitsPerKey: 10, compression }, 'chunks.sst')
    let last = 0
    for (let i = 0; i < 5000; i++) {
      builder.add(b(`key${String(i).padStart(6, '0')}`), 1, ValueKind.Value, b(`value-${i}`))
      const size = builder.estimatedFileSize()
      // The block in progress counts uncompressed until it is written, so with compression
      // the estimate drops back by at most that block's savings when it is.
      assert.ok(size >= last - (compression === 'lz4' ? 128 + 30 : 0), `${compression}: ${size} after ${last}`)
      last = size
    }
    const result = builder.finish()
    assert.ok(result.dataBlocks > 500)
    assert.ok(file.appends < result.dataBlocks / 10, `${file.appends} appends for ${result.dataBlocks} blocks`)
    assert.ok(last <= result.fileSize)
    assert.equal(file.size, result.fileSize)
    assert.throws(() => builder.finish(), /finished/)
  }
})

test('open reads the footer and metadata only; data blocks load on demand', () => {
  const entries: Entry[] = []
  for (let i = 0; i < 2000; i++) entries.push({ key: b(`key${String(i).padStart(5, '0')}`), seq: 1, kind: ValueKind.Value, value: b(`value-${i}`.repeat(3)) })
  const { bytes } = build(entries, { blockSize: 512 })
  const { reader, file } = open(bytes)
  assert.equal(reader.fileSize, bytes.length)
  const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE), bytes.length, 'test.sst')
  assert.equal(file.bytesRead, FOOTER_SIZE + footer.index.size + footer.filter.size + footer.properties.size + 15)
  assert.ok(file.bytesRead < bytes.length / 4)
  assert.equal(reader.get(b('key01234'), 1) !== undefined, true)
  assert.equal(reader.stats.blockReads, 1)
})

test('the bloom filter skips absent keys; with 0 bits/key there is no filter', () => {
  const entries: Entry[] = []
  for (let i = 0; i < 500; i++) entries.push({ key: b(`present${i}`), seq: 1, kind: ValueKind.Value, value: b('v') })
  entries.sort(byInternal)
  const withFilter = open(build(entries, { bloomBitsPerKey: 10 }).bytes).reader
  for (let i = 0; i < 1000; i++) assert.equal(withFilter.get(b(`absent${i}`), 9), undefined)
  assert.ok(withFilter.stats.filterSkips > 970, `${withFilter.stats.filterSkips} skips`)
  assert.ok(withFilter.stats.blockReads < 30)
  assert.equal(withFilter.mayContain(b('present7')), true)

  const noFilterBytes = build(entries, { bloomBitsPerKey: 0 }).bytes
  const footer = decodeFooter(noFilterBytes.subarray(noFilterBytes.length - FOOTER_SIZE), noFilterBytes.length, 't.sst')
  assert.deepEqual(footer.filter, { offset: 0, size: 0 })
  const noFilter = open(noFilterBytes).reader
  for (let i = 0; i < 100; i++) assert.equal(noFilter.get(b(`absent${i}`), 9), undefined)
  assert.equal(noFilter.stats.filterSkips, 0)
  assert.equal(noFilter.get(b('present42'), 1)?.seq, 1)
})

test('get counts a data-block search in the counter it is given, never a lookup the filter answered', () => {
  const entries: Entry[] = []
  for (let i = 0; i < 500; i++) entries.push({ key: b(`present${i}`), seq: 1, kind: ValueKind.Value, value: b('v') })
  entries.sort(byInternal)
  const withFilter = open(build(entries, { bloomBitsPerKey: 10 }).bytes).reader
  const counter = { tablesSearched: 0 }
  for (let i = 0; i < 1000; i++) withFilter.get(b(`absent${i}`), 9, counter)
  assert.ok(withFilter.stats.filterSkips > 970)
  assert.equal(counter.tablesSearched, 1000 - withFilter.stats.filterSkips, 'the false positives only')
  assert.equal(withFilter.get(b('present7'), 9, counter)?.seq, 1)
  assert.equal(counter.tablesSearched, 1001 - withFilter.stats.filterSkips)

  const noFilter = open(build(entries, { bloomBitsPerKey: 0 }).bytes).reader
  const unfiltered = { tablesSearched: 0 }
  for (let i = 0; i < 100; i++) noFilter.get(b(`absent${i}`), 9, unfiltered)
  assert.equal(unfiltered.tablesSearched, 100, 'without a filter every lookup searches')
})

/** The decoded size of every data block of reader's table, read through an uncached reader. */
function bytesOfBlocks(reader: TableReader, bytes: Uint8Array): number {
  const uncached = open(bytes).reader
  let sum = 0
  for (let i = 0; i < uncached.blockCount; i++) sum += uncached.blockAt(i).byteLength
  assert.equal(uncached.blockCount, reader.blockCount)
  return sum
}

test('data blocks go through the block cache, are never shared between readers, and leave it on close', () => {
  const entries: Entry[] = []
  for (let i = 0; i < 300; i++) entries.push({ key: b(`k${String(i).padStart(4, '0')}`), seq: 1, kind: ValueKind.Value, value: b('0123456789') })
  const { bytes, result } = build(entries, { blockSize: 256 })
  const cache = new BlockCache(1 << 20)
  const { reader, file } = open(bytes, { blockCache: cache })
  const it = reader.iterator()
  for (it.seekToFirst(); it.valid(); it.next());
  assert.equal(reader.stats.blockReads, result.dataBlocks)
  assert.equal(cache.size, result.dataBlocks)
  assert.equal(cache.charge, bytesOfBlocks(reader, bytes))
  const reads = file.reads
  for (let i = 0; i < 300; i++) assert.ok(reader.get(b(`k${String(i).padStart(4, '0')}`), 1))
  assert.equal(file.reads, reads)
  assert.equal(reader.stats.cacheHits, 300)
  // A second reader of the same bytes shares nothing.
  const other = open(bytes, { blockCache: cache }).reader
  other.get(b('k0000'), 1)
  assert.equal(other.stats.blockReads, 1)
  reader.close()
  assert.equal(cache.size, 1)
  assert.equal(file.closed, true)
  assert.throws(() => reader.get(b('k0001'), 1), (err: unknown) => err instanceof ShaleError && err.code === 'CLOSED')
  reader.close()
})

test('an iterator is invalid until positioned, and close() runs its callback once', () => {
  const { bytes } = build([{ key: b('a'), seq: 1, kind: ValueKind.Value, value: b('1') }])
  const { reader } = open(bytes)
  let closes = 0
  const it = reader.iterator(() => closes++)
  assert.equal(it.valid(), false)
  it.seek(b('b'), 100)
  assert.equal(it.valid(), false)
  it.seekForPrev(b('b'), 100)
  assert.equal(show(it), 'a@1=1')
  // (a, 0) sorts after a@1: newer versions come first.
  it.seekForPrev(b('a'), 0)
  assert.equal(show(it), 'a@1=1')
  it.seekForPrev(b('a'), 2)
  assert.equal(it.valid(), false)
  it.seek(b('a'), 0)
  assert.equal(it.valid(), false)
  it.close()
  it.close()
  assert.equal(closes, 1)
  assert.equal(it.valid(), false)
  assert.throws(() => it.seekToFirst(), (err: unknown) => err instanceof ShaleError && err.code === 'CLOSED')
})

test('key() of an iterator stays intact while it stays put', () => {
  const entries: Entry[] = []
  for (let i = 0; i < 100; i++) entries.push({ key: b(`shared-prefix-${String(i).padStart(3, '0')}`), seq: 1, kind: ValueKind.Value, value: b(`${i}`) })
  const { reader } = open(build(entries, { blockSize: 128 }).bytes)
  const a = reader.iterator()
  const other = reader.iterator()
  a.seek(b('shared-prefix-050'), 5)
  const key = a.key()
  for (other.seekToFirst(); other.valid(); other.next()) other.key()
  reader.get(b('shared-prefix-099'), 1)
  assert.equal(dec.decode(key), 'shared-prefix-050')
  assert.equal(a.key(), key)
  assert.equal(a.seq(), 1)
  assert.equal(a.kind(), ValueKind.Value)
})

test('empty user keys and binary keys are ordinary keys', () => {
  const entries: Entry[] = [
    { key: new Uint8Array(0), seq: 9, kind: ValueKind.Value, value: b('empty9') },
    { key: new Uint8Array(0), seq: 3, kind: ValueKind.Deletion, value: b('') },
    { key: Uint8Array.of(0), seq: 1, kind: ValueKind.Value, value: b('zero') },
    { key: Uint8Array.of(0xff, 0xff), seq: 1, kind: ValueKind.Value, value: b('ff') },
  ]
  const { reader } = open(build(entries).bytes)
  assert.equal(dec.decode(reader.get(new Uint8Array(0), 10)!.value), 'empty9')
  assert.equal(reader.get(new Uint8Array(0), 5)!.kind, ValueKind.Deletion)
  assert.equal(reader.get(new Uint8Array(0), 2), undefined)
  assert.equal(dec.decode(reader.get(Uint8Array.of(0), 1)!.value), 'zero')
  assert.equal(dec.decode(reader.get(Uint8Array.of(0xff, 0xff), 1)!.value), 'ff')
})

test('large sequence numbers survive the round trip', () => {
  const max = Number.MAX_SAFE_INTEGER
  const entries: Entry[] = [
    { key: b('k'), seq: max, kind: ValueKind.Value, value: b('newest') },
    { key: b('k'), seq: 2 ** 40 + 3, kind: ValueKind.Value, value: b('mid') },
    { key: b('k'), seq: 0, kind: ValueKind.Value, value: b('oldest') },
  ]
  const { reader } = open(build(entries).bytes)
  assert.equal(reader.get(b('k'), max)!.seq, max)
  assert.equal(reader.get(b('k'), max - 1)!.seq, 2 ** 40 + 3)
  assert.equal(reader.get(b('k'), 2 ** 40)!.seq, 0)
  assert.equal(reader.properties().largestSeq, max)
  assert.equal(reader.properties().smallestSeq, 0)
})

test('compareInternalKeys() orders exactly like comparing the decoded (user key, sequence) pairs', () => {
  const seqArb = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat())
  const ikey = fc.tuple(keyArb, seqArb, fc.constantFrom<ValueKind>(ValueKind.Value, ValueKind.Deletion)).map(([k, s, kind]) => encodeInternalKey(k, s, kind))
  fc.assert(
    fc.property(ikey, ikey, fc.uint8Array({ maxLength: 5 }), (x, y, pad) => {
      const want = Math.sign(compareInternal(userKeyOf(x), sequenceOf(x), userKeyOf(y), sequenceOf(y)))
      assert.equal(Math.sign(compareInternalKeys(x, y)), want)
      // The range form, on a key embedded in a larger buffer.
      const host = new Uint8Array(pad.length + x.length + 3)
      host.set(pad)
      host.set(x, pad.length)
      assert.equal(Math.sign(compareInternalKeyRange(host, pad.length, pad.length + x.length, y)), want)
    }),
    { numRuns: 2000 },
  )
})
