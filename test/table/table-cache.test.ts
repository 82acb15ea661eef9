import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ShaleError } from '../../src/errors.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { tableFileName } from '../../src/base/file-names.js'
import { BlockCache } from '../../src/table/block-cache.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { TableCache, type TableCacheOptions } from '../../src/table/table-cache.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const enc = new TextEncoder()
const dec = new TextDecoder()
const DIR = '/db'

/** Writes table n holding keys t<n>-000.. so every table's contents are distinguishable. */
function writeTable(fs: MemoryFileSystem, n: number, count = 20): void {
  const file = fs.create(tableFileName(DIR, n))
  const builder = new TableBuilder(file, { blockSize: 128, restartInterval: 4, bloomBitsPerKey: 10 }, tableFileName(DIR, n))
  for (let i = 0; i < count; i++) builder.add(enc.encode(`t${n}-${String(i).padStart(3, '0')}`), 1, ValueKind.Value, enc.encode(`value ${n}/${i}`))
  builder.finish()
  file.close()
}

function setup(maxOpenFiles: number, tables = 6, blockCache?: BlockCache) {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  for (let n = 1; n <= tables; n++) writeTable(fs, n)
  const options: TableCacheOptions = { maxOpenFiles, blockCache, paranoidChecks: true, search: 'binary' }
  return { fs, cache: new TableCache(DIR, fs, options) }
}

const key = (n: number, i: number): Uint8Array => enc.encode(`t${n}-${String(i).padStart(3, '0')}`)

test('acquire() opens a table once and reuses it while cached', () => {
  const { fs, cache } = setup(4)
  const a = cache.acquire(1)
  const b = cache.acquire(1)
  assert.equal(a, b)
  assert.equal(fs.opens, 1)
  assert.equal(dec.decode(a.get(key(1, 5), 1)!.value), 'value 1/5')
  cache.release(1)
  cache.release(a)
  assert.equal(cache.openCount, 1)
  assert.equal(cache.acquire(1), a)
  assert.equal(fs.opens, 1)
  cache.release(1)
  assert.throws(() => cache.release(1), /not acquired/)
  assert.throws(() => cache.release(9), /not acquired/)
})

test('at most maxOpenFiles unheld readers stay open, least recently used closed first', () => {
  const { fs, cache } = setup(3)
  for (const n of [1, 2, 3]) cache.release(cache.acquire(n))
  cache.release(cache.acquire(1)) // 1 is now the most recent
  cache.release(cache.acquire(4)) // closes 2
  assert.equal(cache.openCount, 3)
  assert.equal(fs.openFiles.size, 3)
  const opens = fs.opens
  cache.release(cache.acquire(1))
  cache.release(cache.acquire(3))
  assert.equal(fs.opens, opens)
  cache.release(cache.acquire(2))
  assert.equal(fs.opens, opens + 1)
  assert.equal(fs.openFiles.size, 3)
})

test('a held reader stays usable beyond the limit and closes once released', () => {
  const { fs, cache } = setup(2)
  const held = [1, 2, 3, 4].map((n) => cache.acquire(n))
  // Everything is held, so nothing can be closed yet.
  assert.equal(fs.openFiles.size, 4)
  for (const [i, r] of held.entries()) assert.equal(dec.decode(r.get(key(i + 1, 0), 1)!.value), `value ${i + 1}/0`)
  for (const n of [1, 2, 3, 4]) cache.release(n)
  assert.equal(fs.openFiles.size, 2)
  assert.equal(cache.openCount, 2)
  assert.equal(held[0]!.closed, true)
  assert.equal(held[3]!.closed, false)
})

test('evict() closes an unheld reader now and a held one at its release', () => {
  const blockCache = new BlockCache(1 << 20)
  const { fs, cache } = setup(10, 3, blockCache)
  cache.release(cache.acquire(1))
  cache.get(1, key(1, 3), 1)
  assert.ok(blockCache.size > 0)
  cache.evict(1)
  assert.equal(fs.openFiles.size, 0)
  assert.equal(blockCache.size, 0, 'its blocks leave the block cache')

  const reader = cache.acquire(2)
  const it = cache.iterator(2)
  it.seekToFirst()
  cache.evict(2)
  assert.equal(cache.openCount, 0)
  // Still usable by its holders.
  assert.equal(dec.decode(reader.get(key(2, 7), 1)!.value), 'value 2/7')
  it.next()
  assert.equal(dec.decode(it.key()), 't2-001')
  cache.release(2)
  assert.equal(reader.closed, false, 'the iterator still holds it')
  it.close()
  assert.equal(reader.closed, true)
  assert.equal(fs.openFiles.size, 0)
  // A later acquire opens the file afresh.
  const again = cache.acquire(2)
  assert.notEqual(again, reader)
  cache.release(again)
  cache.evict(99) // unknown numbers are ignored
})

test('releasing by number after evict-and-reopen releases the evicted reader first', () => {
  const { cache } = setup(10, 1)
  const old = cache.acquire(1)
  cache.evict(1)
  const fresh = cache.acquire(1)
  cache.release(1)
  assert.equal(old.closed, true)
  assert.equal(fresh.closed, false)
  cache.release(1)
  assert.equal(fresh.closed, false, 'cached, not held')
})

test('get() and iterator() hold the reader only as long as needed', () => {
  const { fs, cache } = setup(1, 3)
  assert.equal(dec.decode(cache.get(1, key(1, 2), 1)!.value), 'value 1/2')
  assert.equal(cache.get(2, key(1, 2), 1), undefined)
  assert.equal(fs.openFiles.size, 1)
  const it = cache.iterator(3)
  const seen: string[] = []
  for (it.seekToFirst(); it.valid(); it.next()) seen.push(dec.decode(it.key()))
  assert.equal(seen.length, 20)
  const opens = fs.opens
  cache.get(1, key(1, 0), 1)
  // Table 3 is held by the iterator, so the limit closes table 1 as soon as get() is done.
  assert.equal(fs.opens, opens + 1)
  assert.equal(fs.openFiles.size, 1)
  assert.equal(cache.openCount, 1)
  it.next()
  assert.equal(it.valid(), false)
  it.seekToLast()
  assert.equal(dec.decode(it.key()), 't3-019')
  it.close()
  cache.get(1, key(1, 0), 1)
  assert.equal(fs.openFiles.size, 1)
})

test('a missing or corrupt table fails acquire() without leaking a file', () => {
  const { fs, cache } = setup(4, 1)
  assert.throws(() => cache.acquire(7), (err: unknown) => err instanceof ShaleError && err.code === 'NOT_FOUND')
  const path = tableFileName(DIR, 1)
  const damaged = fs.bytesOf(path).slice()
  damaged[damaged.length - 1]! ^= 0xff
  fs.overwrite(path, damaged)
  assert.throws(() => cache.acquire(1), (err: unknown) => err instanceof ShaleError && err.code === 'CORRUPTION')
  assert.equal(fs.openFiles.size, 0)
  assert.equal(cache.openCount, 0)
})

test('close() closes unheld readers now and held ones at release, then refuses acquire()', () => {
  const { fs, cache } = setup(10, 3)
  cache.release(cache.acquire(1))
  const held = cache.acquire(2)
  cache.close()
  assert.equal(fs.openFiles.size, 1)
  assert.equal(dec.decode(held.get(key(2, 1), 1)!.value), 'value 2/1')
  cache.release(held)
  assert.equal(fs.openFiles.size, 0)
  assert.throws(() => cache.acquire(3), (err: unknown) => err instanceof ShaleError && err.code === 'CLOSED')
  cache.close()
})
