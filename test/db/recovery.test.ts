// Log replay on its own: records of several logs land in a memtable with the sequences their
// batches carry; a torn tail is cut and reported; damage with valid records after it is
// refused under 'tolerate-tail' and cut there under 'point-in-time'; and a follower can
// resume a log from where the last replay ended.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { logFileName } from '../../src/base/file-names.js'
import { MAX_SEQUENCE, ValueKind } from '../../src/base/internal-key.js'
import { replayLog, replayLogs } from '../../src/db/recovery.js'
import { ShaleError } from '../../src/errors.js'
import { Memtable } from '../../src/memtable/memtable.js'
import { LogWriter } from '../../src/wal/log-writer.js'
import type { BatchOp } from '../../src/wal/write-batch.js'
import { encodeBatch } from '../helpers/encode-batch.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const DIR = '/db'
const enc = new TextEncoder()
const dec = new TextDecoder()

const putOp = (k: string, v: string): BatchOp => ({ kind: ValueKind.Value, key: enc.encode(k), value: enc.encode(v) })
const delOp = (k: string): BatchOp => ({ kind: ValueKind.Deletion, key: enc.encode(k), value: undefined })

/** Writes log `number` with the batches given as [first sequence, ops]; returns each record's start offset. */
function writeLog(fs: MemoryFileSystem, number: number, batches: [number, BatchOp[]][]): number[] {
  const writer = new LogWriter(fs.create(logFileName(DIR, number)), { bufferSize: 0 })
  const offsets: number[] = []
  for (const [seq, ops] of batches) {
    offsets.push(writer.size)
    writer.addRecord(encodeBatch(seq, ops))
  }
  writer.close()
  return offsets
}

/** Every version in the memtable, as "key@seq=value" (or "key@seq deleted"). */
function dump(mem: Memtable): string[] {
  const out: string[] = []
  const it = mem.iterator()
  for (it.seekToFirst(); it.valid(); it.next()) out.push(`${dec.decode(it.key())}@${it.seq()}${it.kind() === ValueKind.Deletion ? ' deleted' : `=${dec.decode(it.value())}`}`)
  return out
}

function fsWith(...logs: [number, [number, BatchOp[]][]][]): MemoryFileSystem {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  for (const [n, batches] of logs) writeLog(fs, n, batches)
  return fs
}

test('every record of every log is applied with its batch sequences; lastSequence is the highest', () => {
  const fs = fsWith(
    [3, [[10, [putOp('a', 'a10'), putOp('b', 'b11')]], [12, [delOp('a')]]]],
    [5, [[13, [putOp('c', 'c13'), putOp('a', 'a14'), delOp('b')]]]],
  )
  const mem = new Memtable(5)
  const r = replayLogs(fs, DIR, [3, 5], mem, 9, 'tolerate-tail')
  assert.deepEqual(dump(mem), ['a@14=a14', 'a@12 deleted', 'a@10=a10', 'b@15 deleted', 'b@11=b11', 'c@13=c13'])
  assert.equal(r.lastSequence, 15)
  assert.equal(r.records, 3)
  assert.equal(r.damage, undefined)
  assert.equal(r.logBytes, fs.readAll(logFileName(DIR, 3)).length + fs.readAll(logFileName(DIR, 5)).length)
  assert.equal(fs.openFiles.size, 0, 'every log is closed again')
})

test('sequence handling: the start sequence stands when the logs hold nothing newer, and empty logs change nothing', () => {
  const fs = fsWith([1, []], [2, [[4, [putOp('k', 'v')]]]])
  const mem = new Memtable(2)
  assert.equal(replayLogs(fs, DIR, [1], mem, 7, 'tolerate-tail').lastSequence, 7, 'an empty log')
  const r = replayLogs(fs, DIR, [1, 2], mem, 100, 'tolerate-tail')
  assert.equal(r.lastSequence, 100, 'older records than the start sequence do not lower it')
  assert.equal(r.records, 1)
  assert.equal(mem.get(enc.encode('k'), MAX_SEQUENCE)?.seq, 4)
})

test('a torn tail (the last record cut short by a crash) is cut and reported; the records before it stay', () => {
  const fs = fsWith([1, [[1, [putOp('a', 'one')]], [2, [putOp('b', 'two')]], [3, [putOp('c', 'x'.repeat(200))]]]])
  const path = logFileName(DIR, 1)
  const size = fs.readAll(path).length
  fs.truncate(path, size - 50)
  for (const mode of ['tolerate-tail', 'point-in-time'] as const) {
    const mem = new Memtable(1)
    const r = replayLogs(fs, DIR, [1], mem, 0, mode)
    assert.deepEqual(dump(mem), ['a@1=one', 'b@2=two'], mode)
    assert.equal(r.lastSequence, 2)
    assert.equal(r.records, 2)
    assert.equal(r.damage?.file, path)
  }
})

test('damage followed by a valid record is refused under tolerate-tail and cut there under point-in-time', () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  const offsets = writeLog(fs, 1, [[1, [putOp('a', 'one')]], [2, [putOp('b', 'two')]], [3, [putOp('c', 'three')]]])
  const path = logFileName(DIR, 1)
  const bytes = fs.readAll(path)
  bytes[offsets[1]! + 10]! ^= 0xff // a payload byte of the middle record: its checksum fails
  fs.overwrite(path, bytes)
  assert.throws(
    () => replayLogs(fs, DIR, [1], new Memtable(1), 0, 'tolerate-tail'),
    (e) => e instanceof ShaleError && e.code === 'CORRUPTION' && e.message.includes(`offset ${offsets[1]}`) && /point-in-time/.test(e.message),
  )
  const mem = new Memtable(1)
  const r = replayLogs(fs, DIR, [1], mem, 0, 'point-in-time')
  assert.deepEqual(dump(mem), ['a@1=one'])
  assert.equal(r.lastSequence, 1)
  assert.equal(r.damage?.offset, offsets[1])
})

test('a log cut short with records in the next: the replay ends there under both modes, the later logs dropped', () => {
  const fs = fsWith([1, [[1, [putOp('a', 'one')]], [2, [putOp('b', 'two')]]]], [2, [[3, [putOp('c', 'three')]]]])
  const first = logFileName(DIR, 1)
  fs.truncate(first, fs.readAll(first).length - 3)
  // A cut tail was never synced, and a sync write is acknowledged only once every older log
  // is synced whole: the later log holds nothing acknowledged, and applying it would leave a hole.
  for (const mode of ['tolerate-tail', 'point-in-time'] as const) {
    const mem = new Memtable(2)
    const r = replayLogs(fs, DIR, [1, 2], mem, 0, mode)
    assert.deepEqual(dump(mem), ['a@1=one'], mode)
    assert.equal(r.lastSequence, 1)
    assert.equal(r.damage?.truncated, true)
  }
  assert.equal(fs.openFiles.size, 0, 'the damaged log is closed even when replay stops there')
})

test('a log that lost records at a record boundary, with records in the next: the sequence gap ends the replay under both modes', () => {
  // No torn bytes to see: the crash kept log 1 up to the end of its first record, and the
  // unsynced records of log 2 reached the disk. Applying log 2 would leave batch 2 out.
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  const offsets = writeLog(fs, 1, [[1, [putOp('a', 'one')]], [2, [putOp('b', 'two'), putOp('c', 'three')]]])
  writeLog(fs, 2, [[4, [putOp('d', 'four')]]])
  writeLog(fs, 3, [[5, [putOp('e', 'five')]]])
  fs.truncate(logFileName(DIR, 1), offsets[1]!)
  for (const mode of ['tolerate-tail', 'point-in-time'] as const) {
    const mem = new Memtable(3)
    const r = replayLogs(fs, DIR, [1, 2, 3], mem, 0, mode)
    assert.deepEqual(dump(mem), ['a@1=one'], mode)
    assert.equal(r.lastSequence, 1)
    assert.equal(r.records, 1)
    assert.equal(r.damage?.file, logFileName(DIR, 2))
    assert.equal(r.damage?.truncated, true)
    assert.match(r.damage?.reason ?? '', /end at sequence 1, but its first record holds sequence 4/)
  }
  assert.equal(fs.openFiles.size, 0, 'every log is closed again')
})

test('sequences that follow on across logs, with an empty log between, are all replayed', () => {
  const fs = fsWith([1, [[1, [putOp('a', 'one')]], [2, [putOp('b', 'two'), delOp('a')]]]], [2, []], [3, [[4, [putOp('c', 'four')]]]])
  const mem = new Memtable(3)
  const r = replayLogs(fs, DIR, [1, 2, 3], mem, 0, 'tolerate-tail')
  assert.deepEqual(dump(mem), ['a@3 deleted', 'a@1=one', 'b@2=two', 'c@4=four'])
  assert.equal(r.lastSequence, 4)
  assert.equal(r.damage, undefined)
})

test('a sequence jump inside one log is CORRUPTION under both modes: a log is written in sequence order', () => {
  const fs = fsWith([1, [[1, [putOp('a', 'one')]], [5, [putOp('b', 'five')]]]])
  for (const mode of ['tolerate-tail', 'point-in-time'] as const) {
    assert.throws(
      () => replayLogs(fs, DIR, [1], new Memtable(1), 0, mode),
      (e) => e instanceof ShaleError && e.code === 'CORRUPTION' && /holds sequence 5, but the record before it ends at 1/.test(e.message),
      mode,
    )
  }
  assert.equal(fs.openFiles.size, 0, 'the log is closed after the error')
})

test('damaged bytes at the end of one log with records in the next: refused under tolerate-tail, the later logs dropped under point-in-time', () => {
  const fs = fsWith([1, [[1, [putOp('a', 'one')]], [2, [putOp('b', 'two')]]]], [2, [[3, [putOp('c', 'three')]]]])
  const first = logFileName(DIR, 1)
  const bytes = fs.readAll(first)
  bytes[bytes.length - 2]! ^= 0xff // the last record's payload: its checksum fails
  fs.overwrite(first, bytes)
  assert.throws(
    () => replayLogs(fs, DIR, [1, 2], new Memtable(2), 0, 'tolerate-tail'),
    (e) => e instanceof ShaleError && e.code === 'CORRUPTION' && e.message.includes(logFileName(DIR, 2)),
  )
  const mem = new Memtable(2)
  const r = replayLogs(fs, DIR, [1, 2], mem, 0, 'point-in-time')
  assert.deepEqual(dump(mem), ['a@1=one'])
  assert.equal(r.lastSequence, 1)
  assert.equal(fs.openFiles.size, 0, 'the damaged log is closed even when replay stops there')
})

test('replayLog resumes from where the last replay ended, as a follower does while the writer appends', () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  const path = logFileName(DIR, 1)
  const writer = new LogWriter(fs.create(path), { bufferSize: 0 })
  writer.addRecord(encodeBatch(1, [putOp('a', 'one'), putOp('b', 'two')]))
  const mem = new Memtable(1)
  let file = fs.openRead(path)
  const first = replayLog(file, path, mem, 0, 'tolerate-tail')
  file.close()
  assert.deepEqual([first.records, first.lastSequence, first.firstOffset, first.end], [1, 2, 0, writer.size])
  writer.addRecord(encodeBatch(3, [delOp('a')]))
  writer.close()
  file = fs.openRead(path)
  const second = replayLog(file, path, mem, first.end, 'tolerate-tail')
  file.close()
  assert.deepEqual([second.records, second.lastSequence, second.firstOffset], [1, 3, first.end])
  assert.deepEqual(dump(mem), ['a@3 deleted', 'a@1=one', 'b@2=two'], 'nothing applied twice')
  // At the end already: nothing to do, and the end stays put.
  file = fs.openRead(path)
  const third = replayLog(file, path, mem, second.end, 'tolerate-tail')
  file.close()
  assert.deepEqual([third.records, third.end, third.damage], [0, second.end, undefined])
})

/** Log `number` in a preallocated file, left open as a crash leaves it: its zeros stay after the records. */
function writeOpenLog(fs: MemoryFileSystem, number: number, batches: [number, BatchOp[]][]): LogWriter {
  const writer = new LogWriter(fs.create(logFileName(DIR, number), { preallocate: true }), { bufferSize: 0 })
  for (const [seq, ops] of batches) writer.addRecord(encodeBatch(seq, ops))
  return writer
}

test('preallocated logs a crash left with their zeros: each ends where its zeros begin, and every log is replayed', async () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  const older = writeOpenLog(fs, 1, [[1, [putOp('a', 'one')]], [2, [putOp('b', 'two')]]])
  const newer = writeOpenLog(fs, 2, [[3, [putOp('c', 'three')]]])
  await older.sync()
  await newer.sync()
  await fs.syncDir(DIR)
  const image = fs.crash()
  assert.ok(image.readAll(logFileName(DIR, 1)).length > older.size, 'the older log still has its reserved zeros')
  for (const mode of ['tolerate-tail', 'point-in-time'] as const) {
    const mem = new Memtable(2)
    const r = replayLogs(image, DIR, [1, 2], mem, 0, mode)
    assert.deepEqual(dump(mem), ['a@1=one', 'b@2=two', 'c@3=three'], mode)
    assert.equal(r.damage, undefined, mode)
    assert.equal(r.lastSequence, 3)
  }
})

test('a preallocated older log whose last record was torn by the crash: a torn tail, the later logs dropped under both modes', async () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  const older = writeOpenLog(fs, 1, [[1, [putOp('a', 'one')]]])
  await older.sync()
  older.addRecord(encodeBatch(2, [putOp('b', 'x'.repeat(300))]))
  const newer = writeOpenLog(fs, 2, [[3, [putOp('c', 'three')]]])
  await newer.sync()
  await fs.syncDir(DIR)
  // The crash kept the first 100 unsynced bytes of the older log: its second record, torn, then zeros.
  const image = fs.crash(() => 100)
  for (const mode of ['tolerate-tail', 'point-in-time'] as const) {
    const mem = new Memtable(2)
    const r = replayLogs(image, DIR, [1, 2], mem, 0, mode)
    assert.deepEqual(dump(mem), ['a@1=one'], mode)
    assert.equal(r.damage?.truncated, true, mode)
    assert.match(r.damage?.reason ?? '', /checksum mismatch .*zeros from offset/)
  }
})

test('a follower resuming inside a preallocated log sees each new record, and the zeros as the end', () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  const path = logFileName(DIR, 1)
  const writer = writeOpenLog(fs, 1, [[1, [putOp('a', 'one')]]])
  const mem = new Memtable(1)
  let file = fs.openRead(path)
  assert.ok(file.size > writer.size)
  const first = replayLog(file, path, mem, 0, 'tolerate-tail')
  file.close()
  assert.deepEqual([first.records, first.end, first.damage], [1, writer.size, undefined])
  writer.addRecord(encodeBatch(2, [putOp('b', 'two')]))
  file = fs.openRead(path)
  const second = replayLog(file, path, mem, first.end, 'tolerate-tail')
  file.close()
  assert.deepEqual([second.records, second.end, second.damage], [1, writer.size, undefined])
  assert.deepEqual(dump(mem), ['a@1=one', 'b@2=two'])
})
