// The cursor's cache-fill policy: which blocks a scan leaves in the block cache. Counts
// blocks inserted and not inserted; the entries read are the same under every policy.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ValueKind } from '../../src/base/internal-key.js'
import type { InternalIterator } from '../../src/base/internal-iterator.js'
import { BlockCache } from '../../src/table/block-cache.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { SCAN_BLOCKS_CACHED, type CacheFill } from '../../src/table/table-iterator.js'
import { TableReader } from '../../src/table/table-reader.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from '../helpers/memory-files.js'

const enc = new TextEncoder()
const dec = new TextDecoder()
const N = 400
const key = (i: number): Uint8Array => enc.encode(`k${String(i).padStart(5, '0')}`)

function openTable(cache: BlockCache): TableReader {
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, { blockSize: 128, restartInterval: 4, bloomBitsPerKey: 10 }, 'test.sst')
  for (let i = 0; i < N; i++) builder.add(key(i), i + 1, ValueKind.Value, enc.encode(`value-${i}`))
  builder.finish()
  return TableReader.open(new MemoryRandomAccessFile(file.bytes()), 'test.sst', { blockCache: cache, paranoidChecks: true, search: 'binary' })
}

function drain(it: InternalIterator, backward = false): string[] {
  const out: string[] = []
  for (; it.valid(); backward ? it.prev() : it.next()) out.push(`${dec.decode(it.key())}=${dec.decode(it.value())}`)
  return out
}

const everything = Array.from({ length: N }, (_, i) => `${dec.decode(key(i))}=value-${i}`)

for (const fill of ['all', 'none', 'seeks'] as CacheFill[]) {
  test(`a full scan with cache fill '${fill}' reads every entry and caches the policy's blocks`, () => {
    const cache = new BlockCache(1 << 20)
    const reader = openTable(cache)
    assert.ok(reader.blockCount > 10, `${reader.blockCount} blocks`)
    const it = reader.iterator(undefined, fill)
    it.seekToFirst()
    assert.deepEqual(drain(it), everything)
    const expected = fill === 'all' ? reader.blockCount : fill === 'none' ? 0 : 1 + SCAN_BLOCKS_CACHED
    assert.equal(cache.size, expected)
    assert.equal(reader.stats.blockReads, reader.blockCount)
    assert.equal(reader.stats.scanBlocksNotCached, reader.blockCount - expected)
    it.close()
  })
}

test("'seeks' caches the block each seek lands on and the next two, in either direction", () => {
  const cache = new BlockCache(1 << 20)
  const reader = openTable(cache)
  const it = reader.iterator(undefined, 'seeks')
  it.seek(key(200), Number.MAX_SAFE_INTEGER)
  assert.deepEqual(drain(it).slice(0, 3), everything.slice(200, 203))
  assert.equal(cache.size, 1 + SCAN_BLOCKS_CACHED)
  // A second seek starts a new run: its block and the next two go in (none of them cached yet).
  it.seekForPrev(key(50), 0)
  assert.deepEqual(drain(it, true), everything.slice(0, 51).reverse())
  assert.equal(cache.size, 2 * (1 + SCAN_BLOCKS_CACHED))
  it.close()
})

test('a block already cached is used by a cursor that does not fill the cache', () => {
  const cache = new BlockCache(1 << 20)
  const reader = openTable(cache)
  const warm = reader.iterator(undefined, 'all')
  warm.seekToFirst()
  drain(warm)
  warm.close()
  const reads = reader.stats.blockReads
  const it = reader.iterator(undefined, 'none')
  it.seekToFirst()
  assert.deepEqual(drain(it), everything)
  assert.equal(reader.stats.blockReads, reads, 'no block read from the file again')
  assert.equal(reader.stats.scanBlocksNotCached, 0)
  it.close()
})
