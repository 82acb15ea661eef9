// Damaged range deletions are reported, never read as data: a flipped byte anywhere in a
// table's range-deletion block fails its open with CORRUPTION, reads through the database
// reject with CORRUPTION, and checkDatabase marks the table corrupt; a table whose range
// deletions differ from what the MANIFEST records is corrupt to checkDatabase; in the log a
// torn range-deletion record is cut like any torn tail, and a checksummed one that is
// malformed (a range end running past the record, an empty range) is CORRUPTION at open.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { logFileName, parseFileName } from '../../src/base/file-names.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { replayLogs } from '../../src/db/recovery.js'
import { checkDatabase, Shale, ShaleError } from '../../src/index.js'
import { Memtable } from '../../src/memtable/memtable.js'
import { openUncachedTable } from '../../src/table/uncached-table.js'
import { BLOCK_TRAILER_SIZE } from '../../src/table/format.js'
import { ByteWriter } from '../../src/util/coding.js'
import { LogWriter } from '../../src/wal/log-writer.js'
import type { BatchOp } from '../../src/wal/write-batch.js'
import { encodeBatch } from '../helpers/encode-batch.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const SMALL = { memtableSize: 4096, blockSize: 256, targetFileSize: 4096 }
const enc = new TextEncoder()
const isCorruption = (e: unknown): boolean => e instanceof ShaleError && e.code === 'CORRUPTION'

function tablePaths(fs: MemoryFileSystem): string[] {
  return fs
    .list('/db')
    .filter((n) => parseFileName(n)?.kind === 'table')
    .map((n) => `/db/${n}`)
}

/** A closed store: k000..k099 in one table, then a table of its own holding [k020, k080) and k050 re-put. */
async function storeWithTombstoneTable(): Promise<{ fs: MemoryFileSystem; path: string; offset: number; size: number }> {
  const fs = new MemoryFileSystem()
  // No compaction runs: the tombstone's table stays as flushed.
  const db = await Shale.open('/db', { ...SMALL, fileSystem: fs, l0CompactionTrigger: 100, l0SlowdownTrigger: 100, l0StopTrigger: 100 })
  for (let i = 0; i < 100; i++) await db.put(`k${String(i).padStart(3, '0')}`, 'v')
  await db.flush()
  await db.deleteRange('k020', 'k080')
  await db.put('k050', 'back')
  await db.flush()
  await db.close()
  // The table holding the tombstone (a flush of its own, or the memtable flushed with it).
  const found = tablePaths(fs).map((path) => {
    const reader = openUncachedTable(fs, path)
    const props = reader.properties()
    reader.close()
    return { path, props }
  }).filter((t) => (t.props.rangeDeletions ?? 0) > 0)
  assert.equal(found.length, 1)
  const { path, props } = found[0]!
  return { fs, path, offset: props.rangeDeletionOffset!, size: props.rangeDeletionSize! }
}

test('every flipped byte of a range-deletion block (and its trailer) fails the table\'s open with CORRUPTION', async () => {
  const { fs, path, offset, size } = await storeWithTombstoneTable()
  const bytes = fs.bytesOf(path)
  for (let at = offset; at < offset + size + BLOCK_TRAILER_SIZE; at++) {
    for (const mask of [0x01, 0x80]) {
      bytes[at]! ^= mask
      assert.throws(() => openUncachedTable(fs, path).close(), isCorruption, `byte ${at - offset} of the block, mask ${mask}`)
      bytes[at]! ^= mask
    }
  }
  openUncachedTable(fs, path).close()
})

test('a damaged range-deletion block: reads reject with CORRUPTION, never return the covered values; check reports the table', async () => {
  const { fs, path, offset } = await storeWithTombstoneTable()
  assert.equal(checkDatabase('/db', { fileSystem: fs }).ok, true)
  fs.bytesOf(path)[offset + 2]! ^= 0x10
  const report = checkDatabase('/db', { fileSystem: fs })
  assert.equal(report.ok, false)
  const entry = report.files.find((f) => path.endsWith(f.name))!
  assert.equal(entry.status, 'corrupt')
  let db: Shale
  try {
    db = await Shale.open('/db', { ...SMALL, fileSystem: fs })
  } catch (err) {
    assert.ok(isCorruption(err), `open fails only with CORRUPTION: ${String(err)}`)
    return
  }
  try {
    // A key under the tombstone: its value in the older table must not come back.
    await assert.rejects(db.get('k030'), isCorruption)
    await assert.rejects(db.has('k030'), isCorruption)
    await assert.rejects(db.getMany(['k010', 'k030']), isCorruption)
    assert.throws(() => [...db.iterator()], isCorruption)
    assert.throws(() => [...db.iterator({ reverse: true })], isCorruption)
    // A compaction that meets it stops writes (as for any damaged table) and says why.
    await assert.rejects(db.compactRange(), /Corruption in \/db\/\d+\.sst/)
  } finally {
    await db.close().catch(() => {})
  }
})

test('check: a table holding other range deletions than the MANIFEST records is corrupt', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { ...SMALL, fileSystem: fs })
  await db.put('c', '1')
  await db.deleteRange('a', 'z')
  await db.put('d', '1')
  await db.flush()
  const first = tablePaths(fs)[0]!
  await db.put('c', '2')
  await db.put('d', '2')
  await db.flush()
  await db.close()
  const second = tablePaths(fs).find((p) => p !== first)!
  assert.equal(checkDatabase('/db', { fileSystem: fs }).ok, true)
  // The first table's bytes replaced by the second's: well formed, keys inside the recorded
  // range, but without the range deletion the MANIFEST says it holds.
  fs.overwrite(first, fs.bytesOf(second).slice())
  const report = checkDatabase('/db', { fileSystem: fs })
  assert.equal(report.ok, false)
  const entry = report.files.find((f) => first.endsWith(f.name))!
  assert.equal(entry.status, 'corrupt')
  assert.match(entry.detail!, /range deletion/)
})

const DIR = '/db'
const putOp = (k: string, v: string): BatchOp => ({ kind: ValueKind.Value, key: enc.encode(k), value: enc.encode(v) })
const rangeOp = (a: string, b: string): BatchOp => ({ kind: ValueKind.RangeDeletion, key: enc.encode(a), value: enc.encode(b) })

/** Log 1 in a fresh directory holding `records` (payloads), each its own checksummed record. */
function logWith(records: Uint8Array[], fs = new MemoryFileSystem()): MemoryFileSystem {
  fs.mkdir(DIR)
  const writer = new LogWriter(fs.create(logFileName(DIR, 1)), { bufferSize: 0 })
  for (const r of records) writer.addRecord(r)
  writer.close()
  return fs
}

function dump(mem: Memtable): string[] {
  const out: string[] = []
  const it = mem.iterator()
  for (it.seekToFirst(); it.valid(); it.next()) out.push(`${Buffer.from(it.key()).toString()}@${it.seq()}`)
  for (const t of mem.rawRangeTombstones()) out.push(`[${Buffer.from(t.start).toString()},${Buffer.from(t.end).toString()})@${t.seq}`)
  return out
}

test('log: a torn range-deletion record at the tail is cut; the range deletions before it are replayed', () => {
  const fs = logWith([encodeBatch(1, [putOp('a', '1'), putOp('c', '1')]), encodeBatch(3, [rangeOp('b', 'd')]), encodeBatch(4, [rangeOp('a', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz')])])
  const path = logFileName(DIR, 1)
  fs.truncate(path, fs.readAll(path).length - 20)
  for (const mode of ['tolerate-tail', 'point-in-time'] as const) {
    const mem = new Memtable(1)
    const r = replayLogs(fs, DIR, [1], mem, 0, mode)
    assert.deepEqual(dump(mem), ['a@1', 'c@2', '[b,d)@3'], mode)
    assert.equal(r.lastSequence, 3)
    assert.equal(r.damage?.file, path)
  }
})

/** A batch payload with one RangeDeletion whose end length claims more bytes than follow. */
function rangeEndPastRecord(seq: number): Uint8Array {
  const w = new ByteWriter()
  w.u64(seq).u32(1).u8(ValueKind.RangeDeletion).lengthPrefixed(enc.encode('a'))
  w.varint(50)
  w.bytes(enc.encode('b'))
  return w.finish()
}

/** A well-formed batch payload holding a RangeDeletion [start, end) the encoder would refuse. */
function rawRange(seq: number, start: string, end: string): Uint8Array {
  const w = new ByteWriter()
  w.u64(seq).u32(1).u8(ValueKind.RangeDeletion).lengthPrefixed(enc.encode(start)).lengthPrefixed(enc.encode(end))
  return w.finish()
}

test('log: a checksummed range-deletion record that is malformed is CORRUPTION, at replay and at open', async () => {
  for (const [name, bad] of [
    ['range end past the record', rangeEndPastRecord(2)],
    ['reversed range', rawRange(2, 'c', 'a')],
    ['empty range', rawRange(2, 'c', 'c')],
  ] as const) {
    const fs = logWith([encodeBatch(1, [putOp('a', '1')]), bad, encodeBatch(3, [putOp('b', '1')])])
    for (const mode of ['tolerate-tail', 'point-in-time'] as const) {
      assert.throws(() => replayLogs(fs, DIR, [1], new Memtable(1), 0, mode), isCorruption, `${name}, ${mode}`)
    }
    // As the last record too: a checksummed record is no torn write.
    const last = logWith([encodeBatch(1, [putOp('a', '1')]), bad])
    assert.throws(() => replayLogs(last, DIR, [1], new Memtable(1), 0, 'tolerate-tail'), isCorruption, name)
  }
  // Through Shale.open: the store's own log holding the reversed range as its only record.
  const fs = new MemoryFileSystem()
  await (await Shale.open('/db', { fileSystem: fs })).close()
  const log = fs.list('/db').find((n) => parseFileName(n)?.kind === 'log')!
  const writer = new LogWriter(fs.create(`/db/${log}`), { bufferSize: 0 })
  writer.addRecord(rawRange(1, 'c', 'a'))
  writer.close()
  await assert.rejects(Shale.open('/db', { fileSystem: fs }), isCorruption)
  const report = checkDatabase('/db', { fileSystem: fs })
  assert.equal(report.files.find((f) => f.kind === 'log')?.status, 'corrupt')
})

test('write batches refuse to encode an empty or reversed range deletion', async () => {
  assert.throws(() => encodeBatch(1, [rangeOp('c', 'a')]), (e: unknown) => e instanceof ShaleError && e.code === 'INVALID_ARGUMENT')
  assert.throws(() => encodeBatch(1, [rangeOp('c', 'c')]), (e: unknown) => e instanceof ShaleError && e.code === 'INVALID_ARGUMENT')
})
