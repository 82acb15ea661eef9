// readLogRecords: the one damage rule for logs and the MANIFEST. A clean end and a torn tail
// are tolerated (the tail reported), damage with a valid record after it is CORRUPTION, and
// the tools' options walk past damage or report the verdict instead of throwing.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ShaleError } from '../../src/errors.js'
import { BLOCK_SIZE } from '../../src/wal/log-format.js'
import { midLogCorruption, readLogRecords, type LogDamage, type LogRecordsOptions } from '../../src/wal/log-records.js'
import { LogWriter } from '../../src/wal/log-writer.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from '../helpers/memory-files.js'

const NAME = '000007.log'

/** Records of the given sizes (record i filled with byte i), and where each begins. */
function buildLog(sizes: number[]): { bytes: Uint8Array; offsets: number[] } {
  const file = new MemoryWritableFile()
  const writer = new LogWriter(file)
  const offsets: number[] = []
  sizes.forEach((n, i) => {
    offsets.push(writer.size)
    writer.addRecord(new Uint8Array(n).fill(i))
  })
  writer.close()
  return { bytes: file.bytes(), offsets }
}

/** Reads `bytes`, returning the first byte of each record (its index), the damage seen and the end. */
function read(bytes: Uint8Array, options?: LogRecordsOptions): { seen: number[]; damage: LogDamage[]; end: ReturnType<typeof readLogRecords> } {
  const seen: number[] = []
  const damage: LogDamage[] = []
  const end = readLogRecords(new MemoryRandomAccessFile(bytes), NAME, (record) => seen.push(record[0]!), { ...options, onDamage: (d) => damage.push(d) })
  return { seen, damage, end }
}

const isCorruptionAt = (offset: number, validAt: number) => (err: unknown) =>
  err instanceof ShaleError && err.code === 'CORRUPTION' && err.message.includes(`${NAME} at offset ${offset}`) && err.message.includes(`at offset ${validAt}`)

test('a clean log yields every record and ends at the file size with no damage', () => {
  const log = buildLog([10, 200, 40_000, 5])
  const { seen, damage, end } = read(log.bytes)
  assert.deepEqual(seen, [0, 1, 2, 3])
  assert.deepEqual(damage, [])
  assert.deepEqual(end, { records: 4, firstOffset: 0, end: log.bytes.length, damage: undefined, validAfter: undefined })
})

test('a torn tail ends the read and is reported, not thrown; the end is where the torn record began', () => {
  // A last record cut part-way, and one split over blocks whose later fragments are missing.
  for (const sizes of [
    [10, 20, 30],
    [10, 20, BLOCK_SIZE + 100],
  ]) {
    const log = buildLog(sizes)
    const { seen, damage, end } = read(log.bytes.subarray(0, log.bytes.length - 3))
    assert.deepEqual(seen, [0, 1])
    assert.equal(end.damage?.offset, log.offsets[2])
    assert.equal(end.damage?.truncated, true)
    assert.equal(end.validAfter, undefined)
    assert.equal(end.end, log.offsets[2])
    assert.deepEqual(damage, [end.damage])
  }
})

test('damage with a valid record after it, in the same block, is CORRUPTION naming the file and both offsets', () => {
  const log = buildLog([10, 20, 30, 40])
  const bytes = log.bytes.slice()
  bytes[log.offsets[1]! + 9]! ^= 0x01 // record 1's payload: its checksum fails
  // The reader's resync skips the rest of the block, so only the byte scan sees record 2.
  assert.throws(() => read(bytes), isCorruptionAt(log.offsets[1]!, log.offsets[2]!))
  const remedy = 'open with walRecovery: point-in-time'
  assert.throws(() => read(bytes, { remedy }), (err: unknown) => err instanceof ShaleError && err.message.endsWith(`; ${remedy}`))
  // Asked to report: the records before the damage, the damage, and where the valid record is.
  const reported = read(bytes, { midLog: 'report' })
  assert.deepEqual(reported.seen, [0])
  assert.equal(reported.end.damage?.offset, log.offsets[1])
  assert.equal(reported.end.damage?.truncated, false)
  assert.equal(reported.end.validAfter, log.offsets[2])
  // Not searched ('point-in-time'): the prefix before the damage, nothing said about what follows.
  const ignored = read(bytes, { midLog: 'ignore' })
  assert.deepEqual(ignored.seen, [0])
  assert.equal(ignored.end.validAfter, undefined)
  assert.equal(ignored.end.end, log.offsets[1])
})

test('damage in the final block with nothing valid after it is a tail, even when stored bytes fail their checksum', () => {
  const log = buildLog([10, 20, 30])
  const bytes = log.bytes.slice()
  bytes[bytes.length - 1]! ^= 0x01 // the last record's last payload byte
  const { seen, end } = read(bytes)
  assert.deepEqual(seen, [0, 1])
  assert.equal(end.damage?.offset, log.offsets[2])
  assert.equal(end.damage?.truncated, false, 'a checksum failure, not missing bytes')
  assert.equal(end.validAfter, undefined)
  // Zero-filled space after the last record (preallocated, or lost in a crash) is the log's end.
  const zeroed = new Uint8Array(log.bytes.length + 100)
  zeroed.set(log.bytes)
  const z = read(zeroed)
  assert.deepEqual(z.seen, [0, 1, 2])
  assert.equal(z.end.damage, undefined)
  assert.equal(z.end.end, log.bytes.length)
  // A last chunk whose write stopped part-way into such space: a torn tail, with nothing after it.
  const torn = zeroed.slice()
  torn.fill(0, log.offsets[2]! + 12)
  const t = read(torn)
  assert.deepEqual(t.seen, [0, 1])
  assert.equal(t.end.damage?.offset, log.offsets[2])
  assert.equal(t.end.damage?.truncated, true, 'zeros from inside the chunk to the end of the file are missing bytes')
  assert.equal(t.end.validAfter, undefined)
})

test('resync walks past damage to every intact record, reporting each damage in file order', () => {
  // Records 1 and 4 damaged. Records 2 and 4 fill their blocks, so 3 and 5 start the next
  // block, where the reader resyncs (7 is a chunk header).
  const log = buildLog([10, 20, BLOCK_SIZE - 17 - 27 - 7, 30, BLOCK_SIZE - 37 - 7, 50])
  assert.deepEqual([log.offsets[3], log.offsets[5]], [BLOCK_SIZE, 2 * BLOCK_SIZE])
  const bytes = log.bytes.slice()
  bytes[log.offsets[1]! + 9]! ^= 0x01
  bytes[log.offsets[4]! + 9]! ^= 0x01
  const order: string[] = []
  const end = readLogRecords(new MemoryRandomAccessFile(bytes), NAME, (record, offset) => order.push(`record ${record[0]} @${offset}`), {
    afterDamage: 'resync',
    midLog: 'report',
    onDamage: (d) => order.push(`damage @${d.offset}`),
  })
  assert.deepEqual(order, [`record 0 @0`, `damage @${log.offsets[1]}`, `record 3 @${log.offsets[3]}`, `damage @${log.offsets[4]}`, `record 5 @${log.offsets[5]}`])
  assert.equal(end.records, 3)
  assert.equal(end.damage?.offset, log.offsets[1], 'the first damage is the verdict')
  assert.equal(end.validAfter, log.offsets[2], 'the byte scan finds record 2, which the resync skipped')
  assert.equal(end.end, bytes.length)
  // Without resync the read stops at the first damage, even unsearched ('point-in-time').
  const stopped = read(bytes, { midLog: 'ignore' })
  assert.deepEqual(stopped.seen, [0])
  assert.deepEqual(stopped.damage, [end.damage])
  assert.equal(stopped.end.end, log.offsets[1])
})

test('a start offset reads from that record on, and damage before it is not seen', () => {
  const log = buildLog([10, 20, 30, 40])
  const bytes = log.bytes.slice()
  bytes[log.offsets[0]! + 9]! ^= 0x01
  const { seen, end } = read(bytes, { from: log.offsets[2]! })
  assert.deepEqual(seen, [2, 3])
  assert.equal(end.firstOffset, log.offsets[2])
  assert.equal(end.end, bytes.length)
  assert.equal(end.damage, undefined)
  // At the end already (a follower with nothing new): nothing read, the end stays put.
  assert.deepEqual(read(bytes, { from: bytes.length }).end, { records: 0, firstOffset: -1, end: bytes.length, damage: undefined, validAfter: undefined })
  // A tail torn after the start offset is reported the same way.
  const torn = read(log.bytes.subarray(0, log.bytes.length - 2), { from: log.offsets[1]! })
  assert.deepEqual(torn.seen, [1, 2])
  assert.equal(torn.end.damage?.offset, log.offsets[3])
})

test('an error thrown for a record ends the read', () => {
  const log = buildLog([10, 20, 30])
  let calls = 0
  const onRecord = (): void => {
    if (++calls === 2) throw new Error('not a batch')
  }
  assert.throws(() => readLogRecords(new MemoryRandomAccessFile(log.bytes), NAME, onRecord), /not a batch/)
  assert.equal(calls, 2)
})

test('midLogCorruption names the damaged file and offset as a CORRUPTION error, and a valid record in a later file', () => {
  const err = midLogCorruption(NAME, { offset: 123, reason: 'checksum mismatch in 5-byte chunk' }, { fileName: NAME, offset: 456 })
  assert.ok(err instanceof ShaleError)
  assert.equal(err.code, 'CORRUPTION')
  assert.match(err.message, /000007\.log at offset 123: checksum mismatch/)
  assert.match(err.message, /a valid record follows at offset 456/)
  const later = midLogCorruption(NAME, { offset: 123, reason: 'truncated' }, { fileName: '000008.log', offset: 0 }, 'try point-in-time')
  assert.match(later.message, /000007\.log at offset 123: truncated, and a valid record follows in 000008\.log at offset 0.*; try point-in-time$/)
})
