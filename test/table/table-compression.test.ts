// LZ4-compressed data blocks: what the builder stores (and when it declines to), that the
// reader and block cache hand back decompressed blocks, that damage inside a compressed
// block is CORRUPTION, and that tables of format version 1 (before compression) still read.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ShaleError } from '../../src/errors.js'
import { ValueKind, compareInternalKeys } from '../../src/base/internal-key.js'
import { BlockCache } from '../../src/table/block-cache.js'
import { maskCrc } from '../../src/util/crc32c.js'
import { Block, BlockCursor } from '../../src/table/block.js'
import {
  BLOCK_TRAILER_SIZE,
  CompressionType,
  FOOTER_SIZE,
  type BlockHandle,
  blockChecksum,
  checkBlock,
  decodeBlockHandle,
  decodeFooter,
  tableCrc,
} from '../../src/table/format.js'
import { TableBuilder, type TableBuilderOptions } from '../../src/table/table-builder.js'
import { TableReader } from '../../src/table/table-reader.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from '../helpers/memory-files.js'
import { Random } from '../helpers/random.js'

const enc = new TextEncoder()
const FILE = '000042.sst'

interface Entry {
  key: Uint8Array
  value: Uint8Array
}

/** db_bench's shape: 16-byte keys, 100-byte values of 50 random printable bytes then 50 copies of one byte. */
function benchEntries(n: number, seed = 1): Entry[] {
  const r = new Random(seed)
  return Array.from({ length: n }, (_, i) => {
    const value = new Uint8Array(100)
    for (let j = 0; j < 50; j++) value[j] = 32 + r.int(95)
    value.fill(32 + r.int(95), 50)
    return { key: enc.encode(String(i).padStart(16, '0')), value }
  })
}

function randomEntries(n: number, seed = 2): Entry[] {
  const r = new Random(seed)
  return Array.from({ length: n }, (_, i) => ({ key: enc.encode(String(i).padStart(16, '0')), value: Uint8Array.from({ length: 100 }, () => r.int(256)) }))
}

function build(entries: readonly Entry[], options: Partial<TableBuilderOptions> = {}): Uint8Array {
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10, ...options }, FILE)
  for (const e of entries) builder.add(e.key, 1, ValueKind.Value, e.value)
  builder.finish()
  return file.bytes()
}

function open(bytes: Uint8Array, options: { paranoidChecks?: boolean; blockCache?: BlockCache } = {}): TableReader {
  return TableReader.open(new MemoryRandomAccessFile(bytes), FILE, {
    blockCache: options.blockCache,
    paranoidChecks: options.paranoidChecks ?? true,
    search: 'binary',
  })
}

interface StoredBlock extends BlockHandle {
  type: number
  /** Contents length after decompression. */
  uncompressed: number
}

/** Every data block as stored: handle, trailer type and decompressed size. */
function dataBlocksOf(bytes: Uint8Array): StoredBlock[] {
  const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE), bytes.length, FILE)
  const raw = (h: BlockHandle): Uint8Array => bytes.subarray(h.offset, h.offset + h.size + BLOCK_TRAILER_SIZE)
  const index = new Block(checkBlock(raw(footer.index), footer.index, FILE, true, footer.version), FILE, footer.index.offset)
  const c = new BlockCursor(index, compareInternalKeys)
  const out: StoredBlock[] = []
  for (c.seekToFirst(); c.valid(); c.next()) {
    const h = decodeBlockHandle(c.value())
    out.push({ ...h, type: bytes[h.offset + h.size]!, uncompressed: checkBlock(raw(h), h, FILE, true, footer.version).length })
  }
  return out
}

/** Reads every entry by get() and by scans in both directions; throws on the first difference. */
function assertHolds(reader: TableReader, entries: readonly Entry[]): void {
  for (const e of entries) {
    const got = reader.get(e.key, 10)
    assert.ok(got !== undefined && Buffer.compare(got.value, e.value) === 0, `get ${new TextDecoder().decode(e.key)}`)
  }
  const it = reader.iterator()
  let i = 0
  for (it.seekToFirst(); it.valid(); it.next(), i++) assert.equal(Buffer.compare(it.value(), entries[i]!.value), 0)
  assert.equal(i, entries.length)
  for (it.seekToLast(); it.valid(); it.prev()) assert.equal(Buffer.compare(it.value(), entries[--i]!.value), 0)
  assert.equal(i, 0)
  it.close()
}

/** The footer with another version number, re-checksummed: what an older Shale would have written. */
function withFooterVersion(bytes: Uint8Array, version: number): Uint8Array {
  const out = bytes.slice()
  const f = out.subarray(out.length - FOOTER_SIZE)
  f[36] = version
  const sum = maskCrc(tableCrc(f, 0, 40))
  f[40] = sum & 0xff
  f[41] = (sum >>> 8) & 0xff
  f[42] = (sum >>> 16) & 0xff
  f[43] = sum >>> 24
  return out
}

const isCorruption = (err: unknown): boolean => err instanceof ShaleError && err.code === 'CORRUPTION'

test('a compressed table round-trips, and its data blocks take about half the disk', () => {
  const entries = benchEntries(3000)
  const lz4 = build(entries, { compression: 'lz4' })
  const none = build(entries, { compression: 'none' })
  const blocks = dataBlocksOf(lz4)
  assert.ok(blocks.length > 50)
  assert.ok(blocks.every((b) => b.type === CompressionType.Lz4), 'every data block is stored compressed')
  const stored = blocks.reduce((s, b) => s + b.size, 0)
  const raw = blocks.reduce((s, b) => s + b.uncompressed, 0)
  assert.ok(stored / raw < 0.6 && stored / raw > 0.45, `data blocks stored at ${(stored / raw).toFixed(3)} of their size`)
  assert.ok(lz4.length < none.length * 0.62, `${lz4.length} bytes compressed, ${none.length} not`)
  // Handles point at the stored bytes: consecutive blocks are back to back on disk.
  for (let i = 1; i < blocks.length; i++) assert.equal(blocks[i]!.offset, blocks[i - 1]!.offset + blocks[i - 1]!.size + BLOCK_TRAILER_SIZE)
  const reader = open(lz4)
  assert.equal(reader.formatVersion, 2)
  assertHolds(reader, entries)
  reader.close()
})

test('the block cache holds decompressed blocks, charged their decompressed size', () => {
  const entries = benchEntries(1000)
  const bytes = build(entries)
  const blocks = dataBlocksOf(bytes)
  const cache = new BlockCache(1 << 24)
  const reader = open(bytes, { blockCache: cache })
  assertHolds(reader, entries)
  assert.equal(cache.size, blocks.length)
  assert.equal(cache.charge, blocks.reduce((s, b) => s + b.uncompressed, 0))
  const reads = reader.stats.blockReads
  assertHolds(reader, entries)
  assert.equal(reader.stats.blockReads, reads, 'the second pass is served from the cache')
  reader.close()
})

test("a table written with compression 'none' stores every block as type 0 and reads back", () => {
  const entries = benchEntries(1000)
  const bytes = build(entries, { compression: 'none' })
  assert.ok(dataBlocksOf(bytes).every((b) => b.type === CompressionType.None && b.size === b.uncompressed))
  const reader = open(bytes)
  assert.equal(reader.formatVersion, 2)
  assertHolds(reader, entries)
  reader.close()
  assert.throws(() => new TableBuilder(new MemoryWritableFile(), { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10, compression: 'zstd' as never }, FILE), RangeError)
})

test('a data block that does not compress is stored with type 0', () => {
  // Random values: LZ4 cannot save an eighth, so the blocks are stored as is.
  const random = randomEntries(500)
  const blocks = dataBlocksOf(build(random))
  assert.ok(blocks.length > 5)
  assert.ok(blocks.every((b) => b.type === CompressionType.None && b.size === b.uncompressed))
  // Mixed: compressible and random stretches in one table get the type each block earns.
  const bench = benchEntries(1000)
  const mixed = bench.map((e, i) => (Math.floor(i / 200) % 2 === 0 ? e : { key: e.key, value: random[i % 500]!.value }))
  const bytes = build(mixed)
  const types = new Set(dataBlocksOf(bytes).map((b) => b.type))
  assert.deepEqual([...types].sort(), [0, 1])
  const reader = open(bytes)
  assertHolds(reader, mixed)
  reader.close()
})

test('a flipped byte inside a compressed block is CORRUPTION naming the block, never data or a RangeError', () => {
  const entries = benchEntries(400)
  const pristine = build(entries)
  const blocks = dataBlocksOf(pristine)
  for (const h of blocks.slice(0, 3)) {
    assert.equal(h.type, CompressionType.Lz4)
    // The varint length prefix, the LZ4 data, its last byte, the type byte, the checksum.
    for (const at of [h.offset, h.offset + 1, h.offset + (h.size >> 1), h.offset + h.size - 1, h.offset + h.size, h.offset + h.size + 2]) {
      for (const paranoidChecks of [true, false]) {
        const bytes = pristine.slice()
        bytes[at]! ^= 0x21
        const reader = open(bytes, { paranoidChecks })
        let corruptions = 0
        for (const e of entries) {
          try {
            const got = reader.get(e.key, 10)
            // Only without checksums may damaged bytes come back as a value.
            if (paranoidChecks) assert.ok(got !== undefined && Buffer.compare(got.value, e.value) === 0, `byte ${at}: wrong value`)
          } catch (err) {
            assert.ok(isCorruption(err), `byte ${at}, paranoid ${paranoidChecks}: ${String(err)}`)
            assert.match((err as Error).message, new RegExp(`${FILE}.*block at offset ${h.offset}`))
            corruptions++
          }
        }
        if (paranoidChecks) assert.ok(corruptions > 0 && corruptions < entries.length, `byte ${at}: ${corruptions} lookups failed`)
        reader.close()
      }
    }
  }
})

test('a checksum-valid compressed block whose LZ4 data is wrong is CORRUPTION, not data', () => {
  // Damage the length prefix and reseal the trailer: only the decoder can notice.
  const entries = benchEntries(400)
  const bytes = build(entries)
  const h = dataBlocksOf(bytes)[1]!
  assert.equal(bytes[h.offset + 1]! & 0x80, 0, 'a 2-byte length prefix')
  bytes[h.offset]! ^= 0x01
  const stored = bytes.subarray(h.offset, h.offset + h.size)
  const sum = blockChecksum(stored, CompressionType.Lz4)
  bytes.set([sum & 0xff, (sum >>> 8) & 0xff, (sum >>> 16) & 0xff, sum >>> 24], h.offset + h.size + 1)
  const reader = open(bytes)
  const inBlock = entries.filter((e) => {
    try {
      reader.get(e.key, 10)
      return false
    } catch (err) {
      assert.ok(isCorruption(err), String(err))
      assert.match((err as Error).message, new RegExp(`block at offset ${h.offset}: (LZ4 data is damaged|LZ4 data decoded to)`))
      return true
    }
  })
  assert.ok(inBlock.length > 10 && inBlock.length < entries.length)
  reader.close()
})

test('tables of format version 1 are still read; a compressed block in one is CORRUPTION', () => {
  const entries = benchEntries(1000)
  // A version 1 table is a 'none' table with the older version number in its footer.
  const v1 = withFooterVersion(build(entries, { compression: 'none' }), 1)
  const reader = open(v1)
  assert.equal(reader.formatVersion, 1)
  assertHolds(reader, entries)
  reader.close()
  const mislabelled = withFooterVersion(build(entries, { compression: 'lz4' }), 1)
  const bad = open(mislabelled)
  assert.throws(
    () => bad.get(entries[0]!.key, 10),
    (err: unknown) => isCorruption(err) && /block at offset 0: compression type 1 in a version 1 table/.test((err as Error).message),
  )
  bad.close()
  assert.throws(() => open(withFooterVersion(build(entries), 4)), (err: unknown) => isCorruption(err) && /unsupported table format version 4/.test((err as Error).message))
})

test('output files are cut on stored bytes, so a target size is the size on disk', () => {
  const target = 256 * 1024
  const entries = benchEntries(10_000)
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, { blockSize: 4096, restartInterval: 16, bloomBitsPerKey: 10 }, FILE)
  let raw = 0
  for (const e of entries) {
    if (builder.estimatedFileSize() >= target) break
    builder.add(e.key, 1, ValueKind.Value, e.value)
    raw += e.key.length + e.value.length
  }
  const result = builder.finish()
  // Past the target by at most one block plus the filter, properties and index.
  assert.ok(result.fileSize >= target && result.fileSize < target + 4096 + 16 * 1024, `${result.fileSize} bytes`)
  assert.ok(raw > 1.6 * result.fileSize, `${raw} bytes of entries in a ${result.fileSize}-byte file`)
})
