// LogWriter: the exact bytes it frames (golden bytes, block trailers, fragmentation), its
// buffering and durability bookkeeping, and how it behaves once the file fails.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LogWriter } from '../../src/wal/log-writer.js'
import { BLOCK_SIZE, HEADER_SIZE, RecordType } from '../../src/wal/log-format.js'
import { crc32c, maskCrc } from '../../src/util/crc32c.js'
import { ShaleError } from '../../src/errors.js'
import { getU32 } from '../../src/util/coding.js'
import { MemoryWritableFile } from '../helpers/memory-files.js'

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex')
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 0xff
  return out
}

function writeLog(sizes: number[], bufferSize?: number): Uint8Array {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file, bufferSize === undefined ? {} : { bufferSize })
  sizes.forEach((n, i) => w.addRecord(pattern(n, i)))
  w.close()
  return file.bytes()
}

type Chunk = { offset: number; type: number; length: number; crcOk: boolean }

/** Walks the chunks of a well-formed log the way the format document describes. */
function chunks(log: Uint8Array): Chunk[] {
  const out: Chunk[] = []
  let at = 0
  while (at < log.length) {
    const inBlock = at % BLOCK_SIZE
    if (BLOCK_SIZE - inBlock < HEADER_SIZE) {
      for (let i = at; i < at + BLOCK_SIZE - inBlock && i < log.length; i++) assert.equal(log[i], 0, `trailer byte ${i}`)
      at += BLOCK_SIZE - inBlock
      continue
    }
    const stored = getU32(log, at)
    const length = log[at + 4]! | (log[at + 5]! << 8)
    const type = log[at + 6]!
    const crcOk = maskCrc(crc32c(log.subarray(at + 6, at + HEADER_SIZE + length))) === stored
    out.push({ offset: at, type, length, crcOk })
    at += HEADER_SIZE + length
  }
  return out
}

test('golden bytes: "abc" then an empty record', () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file)
  w.addRecord(new TextEncoder().encode('abc'))
  w.addRecord(new Uint8Array(0))
  w.flush()
  // Pinned: changing these bytes changes the on-disk format (see docs/format.md#log).
  assert.equal(hex(file.bytes()), 'f270e89d' + '0300' + '01' + '616263' + '052b2843' + '0000' + '01')
})

test('zero-length record is one FULL chunk of length 0', () => {
  const log = writeLog([0])
  assert.equal(log.length, HEADER_SIZE)
  assert.deepEqual(chunks(log), [{ offset: 0, type: RecordType.Full, length: 0, crcOk: true }])
})

test('one-byte record is one FULL chunk', () => {
  const log = writeLog([1])
  assert.equal(log.length, HEADER_SIZE + 1)
  assert.deepEqual(chunks(log), [{ offset: 0, type: RecordType.Full, length: 1, crcOk: true }])
})

test('record exactly filling a block leaves no trailer', () => {
  const log = writeLog([BLOCK_SIZE - HEADER_SIZE, 5])
  assert.deepEqual(chunks(log), [
    { offset: 0, type: RecordType.Full, length: BLOCK_SIZE - HEADER_SIZE, crcOk: true },
    { offset: BLOCK_SIZE, type: RecordType.Full, length: 5, crcOk: true },
  ])
})

for (let trailer = 0; trailer <= HEADER_SIZE - 1; trailer++) {
  test(`block trailer of ${trailer} bytes is zero-filled and the next chunk starts the next block`, () => {
    const first = BLOCK_SIZE - HEADER_SIZE - trailer
    const log = writeLog([first, 10])
    assert.equal(log.length, BLOCK_SIZE + HEADER_SIZE + 10)
    for (let i = BLOCK_SIZE - trailer; i < BLOCK_SIZE; i++) assert.equal(log[i], 0)
    assert.deepEqual(chunks(log), [
      { offset: 0, type: RecordType.Full, length: first, crcOk: true },
      { offset: BLOCK_SIZE, type: RecordType.Full, length: 10, crcOk: true },
    ])
  })
}

test('exactly a header of room left: a FIRST chunk with an empty payload', () => {
  const first = BLOCK_SIZE - 2 * HEADER_SIZE
  const log = writeLog([first, 10])
  assert.deepEqual(chunks(log), [
    { offset: 0, type: RecordType.Full, length: first, crcOk: true },
    { offset: BLOCK_SIZE - HEADER_SIZE, type: RecordType.First, length: 0, crcOk: true },
    { offset: BLOCK_SIZE, type: RecordType.Last, length: 10, crcOk: true },
  ])
})

test('exactly a header of room left: an empty record is a FULL chunk there', () => {
  const log = writeLog([BLOCK_SIZE - 2 * HEADER_SIZE, 0])
  assert.equal(log.length, BLOCK_SIZE)
  assert.deepEqual(chunks(log).map((c) => c.type), [RecordType.Full, RecordType.Full])
})

test('record spanning four blocks is FIRST, MIDDLE, MIDDLE, LAST', () => {
  const n = 3 * (BLOCK_SIZE - HEADER_SIZE) + 100
  const log = writeLog([n])
  assert.deepEqual(chunks(log), [
    { offset: 0, type: RecordType.First, length: BLOCK_SIZE - HEADER_SIZE, crcOk: true },
    { offset: BLOCK_SIZE, type: RecordType.Middle, length: BLOCK_SIZE - HEADER_SIZE, crcOk: true },
    { offset: 2 * BLOCK_SIZE, type: RecordType.Middle, length: BLOCK_SIZE - HEADER_SIZE, crcOk: true },
    { offset: 3 * BLOCK_SIZE, type: RecordType.Last, length: 100, crcOk: true },
  ])
})

test('bytes do not depend on the buffer size', () => {
  const sizes = [0, 1, 100, 40_000, 7, BLOCK_SIZE, 3, 100_000, 12]
  const reference = writeLog(sizes)
  for (const bufferSize of [0, 1, 7, 100, 4096, BLOCK_SIZE, 1 << 20]) {
    assert.deepEqual(writeLog(sizes, bufferSize), reference, `bufferSize ${bufferSize}`)
  }
})

test('addRecord buffers until bufferSize, flush appends the pending bytes', () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file, { bufferSize: 100 })
  w.addRecord(pattern(10))
  w.addRecord(pattern(20))
  assert.equal(file.appends, 0)
  assert.equal(w.pendingBytes, 2 * HEADER_SIZE + 30)
  assert.equal(w.size, 2 * HEADER_SIZE + 30)
  w.addRecord(pattern(60)) // crosses 100 pending bytes
  assert.equal(file.appends, 1)
  assert.equal(w.pendingBytes, 0)
  assert.equal(file.size, 3 * HEADER_SIZE + 90)
  w.addRecord(pattern(1))
  assert.equal(w.pendingBytes, HEADER_SIZE + 1)
  w.flush()
  assert.equal(file.appends, 2)
  assert.equal(w.pendingBytes, 0)
  assert.equal(w.size, file.size)
  w.flush()
  assert.equal(file.appends, 2, 'an empty flush makes no call')
})

test('bufferSize 0 appends once at the end of every addRecord', () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file, { bufferSize: 0 })
  w.addRecord(pattern(10))
  assert.equal(file.appends, 1)
  w.addRecord(pattern(10))
  assert.equal(file.appends, 2)
  assert.equal(w.pendingBytes, 0)
})

test('the caller may reuse the payload array after addRecord', () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file)
  const payload = pattern(50)
  w.addRecord(payload)
  payload.fill(9)
  w.flush()
  assert.deepEqual(file.bytes().subarray(HEADER_SIZE), pattern(50))
})

test('sync flushes, syncs the file, and advances syncedSize', async () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file)
  w.addRecord(pattern(10))
  assert.equal(w.syncedSize, 0)
  await w.sync()
  assert.equal(file.syncs, 1)
  assert.equal(file.size, HEADER_SIZE + 10)
  assert.equal(w.syncedSize, HEADER_SIZE + 10)
  w.addRecord(pattern(10))
  assert.equal(w.syncedSize, HEADER_SIZE + 10, 'pending bytes are not durable')
  assert.equal(w.size, 2 * (HEADER_SIZE + 10))
})

test('a writer on a non-empty file continues its block layout', () => {
  const existing = writeLog([BLOCK_SIZE - HEADER_SIZE - 3])
  const file = new MemoryWritableFile(existing)
  const w = new LogWriter(file)
  assert.equal(w.size, existing.length)
  assert.equal(w.syncedSize, existing.length)
  w.addRecord(pattern(4))
  w.close()
  const log = file.bytes()
  assert.deepEqual(log.subarray(BLOCK_SIZE - 3, BLOCK_SIZE), new Uint8Array(3))
  assert.deepEqual(chunks(log).map((c) => [c.offset, c.type]), [
    [0, RecordType.Full],
    [BLOCK_SIZE, RecordType.Full],
  ])
})

test('close flushes and closes the file; later calls throw CLOSED', () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file)
  w.addRecord(pattern(3))
  w.close()
  assert.equal(file.closed, true)
  assert.equal(file.size, HEADER_SIZE + 3)
  w.close() // idempotent
  assert.throws(() => w.addRecord(pattern(1)), (e: unknown) => e instanceof ShaleError && e.code === 'CLOSED')
})

test('a failed append is rethrown and leaves the writer unusable', async () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file, { bufferSize: 0 })
  w.addRecord(pattern(10))
  file.failNextAppendAfter = 5
  assert.throws(() => w.addRecord(pattern(10)), /injected append failure/)
  assert.equal(file.size, HEADER_SIZE + 10 + 5, 'a torn chunk is on "disk"')
  assert.throws(() => w.addRecord(pattern(1)), /unusable after an earlier failure/)
  assert.throws(() => w.flush(), /unusable/)
  await assert.rejects(w.sync(), /unusable/)
  assert.equal(file.appends, 2, 'no append after the failure')
  w.close()
  assert.equal(file.closed, true, 'close still releases the file')
})

test('a failed mid-record flush of a large record is rethrown', () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file, { bufferSize: 1000 })
  file.failNextAppendAfter = 0
  assert.throws(() => w.addRecord(pattern(100_000)), /injected/)
  assert.throws(() => w.addRecord(pattern(1)), /unusable/)
})

test('a failed sync is rethrown and leaves the writer unusable', async () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file)
  w.addRecord(pattern(10))
  file.failNextSync = new Error('injected fsync failure')
  await assert.rejects(w.sync(), /injected fsync failure/)
  assert.equal(w.syncedSize, 0)
  assert.throws(() => w.addRecord(pattern(1)), /unusable/)
})

test('after a failure, later calls say why with the first failure\'s kind: its code for a ShaleError or an errno error, a bug for anything else', async () => {
  const cases: [Error, (e: unknown) => boolean][] = [
    [new ShaleError('NO_SPACE', 'disk is full'), (e) => e instanceof ShaleError && e.code === 'NO_SPACE'],
    [Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }), (e) => e instanceof ShaleError && e.code === 'IO'],
    [new TypeError('injected: fd is not a number'), (e) => e instanceof Error && !(e instanceof ShaleError)],
  ]
  for (const [failure, expected] of cases) {
    const file = new MemoryWritableFile()
    const w = new LogWriter(file)
    w.addRecord(pattern(10))
    file.failNextSync = failure
    await assert.rejects(w.sync(), (e) => e === failure)
    assert.throws(
      () => w.addRecord(pattern(1)),
      (e: unknown) => expected(e) && (e as Error).cause === failure && /unusable after an earlier failure/.test((e as Error).message),
      failure.name,
    )
  }
})

test('a failed flush inside close is thrown, and the file is still closed', () => {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file)
  w.addRecord(pattern(10))
  file.failNextAppendAfter = 0
  assert.throws(() => w.close(), /injected/)
  assert.equal(file.closed, true)
})

test('invalid bufferSize is INVALID_ARGUMENT', () => {
  for (const bufferSize of [-1, 1.5, Number.NaN]) {
    assert.throws(
      () => new LogWriter(new MemoryWritableFile(), { bufferSize }),
      (e: unknown) => e instanceof ShaleError && e.code === 'INVALID_ARGUMENT',
    )
  }
})

test('worked example of docs/format.md#log', () => {
  // Keep in sync with the hex in docs/_wal.md.
  const batch = fromHex('07000000000000000200000001016b02763100036f6c64')
  const file = new MemoryWritableFile()
  const w = new LogWriter(file)
  w.addRecord(batch)
  w.flush()
  assert.equal(hex(file.bytes()), '720b2563' + '1700' + '01' + hex(batch))
})

test('fragmentation example of docs/format.md#log', () => {
  const log = writeLog([32_755, 40_000])
  assert.equal(log.length, 72_782)
  assert.deepEqual(log.subarray(32_762, 32_768), new Uint8Array(6))
  assert.deepEqual(chunks(log).map((c) => [c.offset, c.type, c.length, c.crcOk]), [
    [0, RecordType.Full, 32_755, true],
    [32_768, RecordType.First, 32_761, true],
    [65_536, RecordType.Last, 7_239, true],
  ])
})
