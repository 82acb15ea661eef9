// LogReader: round trips through LogWriter, then one named test per kind of damage, each
// checking what the reader reports and where it resumes.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { LogWriter } from '../../src/wal/log-writer.js'
import { LogReader, type LogReadResult } from '../../src/wal/log-reader.js'
import { BLOCK_SIZE, HEADER_SIZE, RecordType } from '../../src/wal/log-format.js'
import { crc32c, maskCrc } from '../../src/util/crc32c.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from '../helpers/memory-files.js'

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed * 17 + (i >> 8)) & 0xff
  return out
}

type Log = { bytes: Uint8Array; records: Uint8Array[]; offsets: number[]; ends: number[]; starts: number[] }

/** Writes records; offsets are where each record's first chunk starts, ends where it ends. */
function buildLog(records: Uint8Array[], bufferSize?: number): Log {
  const file = new MemoryWritableFile()
  const w = new LogWriter(file, bufferSize === undefined ? {} : { bufferSize })
  const offsets: number[] = []
  const starts: number[] = []
  const ends: number[] = []
  for (const r of records) {
    const before = w.size
    const room = BLOCK_SIZE - (before % BLOCK_SIZE)
    starts.push(before)
    offsets.push(room < HEADER_SIZE ? before + room : before)
    w.addRecord(r)
    ends.push(w.size)
  }
  w.close()
  return { bytes: file.bytes(), records, offsets, ends, starts }
}

function sizedLog(sizes: number[], bufferSize?: number): Log {
  return buildLog(
    sizes.map((n, i) => pattern(n, i)),
    bufferSize,
  )
}

function readerOf(bytes: Uint8Array): { reader: LogReader; file: MemoryRandomAccessFile } {
  const file = new MemoryRandomAccessFile(bytes)
  return { reader: new LogReader(file, '000007.log'), file }
}

/** Every result up to and including the first eof (bounded, in case the reader loops). */
function readAll(bytes: Uint8Array): LogReadResult[] {
  const { reader } = readerOf(bytes)
  const out: LogReadResult[] = []
  for (let i = 0; i < 100_000; i++) {
    const r = reader.next()
    out.push(r)
    if (r.type === 'eof') {
      assert.equal(reader.next().type, 'eof', 'eof is sticky')
      return out
    }
  }
  throw new Error('reader did not reach eof')
}

const rec = (log: Log, i: number): LogReadResult => ({ type: 'record', record: log.records[i]!, offset: log.offsets[i]! })
const EOF: LogReadResult = { type: 'eof' }

/** Strips the damage reasons so results compare structurally; reasons are checked apart. */
function shape(results: LogReadResult[]): unknown[] {
  return results.map((r) => (r.type === 'damage' ? { type: 'damage', offset: r.offset } : r))
}

function damages(results: LogReadResult[]): Extract<LogReadResult, { type: 'damage' }>[] {
  return results.filter((r): r is Extract<LogReadResult, { type: 'damage' }> => r.type === 'damage')
}

/** One chunk built by hand from the format document, for framing the writer never produces. */
function chunk(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.length)
  out[6] = type
  out.set(payload, HEADER_SIZE)
  const crc = maskCrc(crc32c(out.subarray(6)))
  out[0] = crc & 0xff
  out[1] = (crc >>> 8) & 0xff
  out[2] = (crc >>> 16) & 0xff
  out[3] = crc >>> 24
  out[4] = payload.length & 0xff
  out[5] = payload.length >>> 8
  return out
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Records then damage at index `bad`, then the records starting at or after `resumeAt`. */
function expectResync(log: Log, bad: number, damageOffset: number, resumeAt: number): unknown[] {
  const out: unknown[] = []
  for (let i = 0; i < bad; i++) out.push(rec(log, i))
  out.push({ type: 'damage', offset: damageOffset })
  for (let i = bad + 1; i < log.records.length; i++) if (log.offsets[i]! >= resumeAt) out.push(rec(log, i))
  out.push(EOF)
  return out
}

// ---- round trips ------------------------------------------------------------------------

test('empty file is eof', () => {
  assert.deepEqual(readAll(new Uint8Array(0)), [EOF])
})

for (const [name, sizes] of [
  ['zero-length record', [0]],
  ['one-byte record', [1]],
  ['record exactly filling a block', [BLOCK_SIZE - HEADER_SIZE, 1, 0]],
  ['record spanning 3+ blocks', [10, 3 * BLOCK_SIZE + 5, 10]],
  ['records at the 64 KiB buffer boundary', [65_536 - HEADER_SIZE, 65_536, 1]],
] as const) {
  test(`round trip: ${name}`, () => {
    const log = sizedLog([...sizes])
    assert.deepEqual(readAll(log.bytes), [...log.records.map((_, i) => rec(log, i)), EOF])
  })
}

for (let trailer = 0; trailer <= HEADER_SIZE; trailer++) {
  test(`round trip: block trailer of ${trailer} bytes`, () => {
    const log = sizedLog([BLOCK_SIZE - HEADER_SIZE - trailer, 10, 0, 40_000])
    assert.equal(log.offsets[1], trailer < HEADER_SIZE ? BLOCK_SIZE : BLOCK_SIZE - HEADER_SIZE)
    assert.deepEqual(readAll(log.bytes), [rec(log, 0), rec(log, 1), rec(log, 2), rec(log, 3), EOF])
  })
}

test('file ending inside a block trailer is a clean eof', () => {
  const log = sizedLog([BLOCK_SIZE - HEADER_SIZE - 4, 10])
  // As if the trailer reached the disk but the next chunk did not.
  const cut = log.bytes.subarray(0, BLOCK_SIZE - 2)
  assert.deepEqual(readAll(cut), [rec(log, 0), EOF])
})

test('reads one block at a time', () => {
  const log = sizedLog([100_000, 10, 50_000, 3])
  const { reader, file } = readerOf(log.bytes)
  while (reader.next().type !== 'eof') {
    // drain
  }
  assert.ok(file.largestRead <= BLOCK_SIZE)
  assert.equal(file.reads, Math.ceil(log.bytes.length / BLOCK_SIZE))
})

test('round trip property: random records and buffer sizes', () => {
  const size = fc.oneof(
    { weight: 8, arbitrary: fc.nat({ max: 200 }) },
    { weight: 2, arbitrary: fc.nat({ max: 3 * BLOCK_SIZE }) },
    { weight: 1, arbitrary: fc.integer({ min: BLOCK_SIZE - 2 * HEADER_SIZE, max: BLOCK_SIZE }) },
  )
  fc.assert(
    fc.property(fc.array(size, { maxLength: 40 }), fc.nat({ max: 100_000 }), fc.nat(), (sizes, bufferSize, seed) => {
      const log = buildLog(
        sizes.map((n, i) => pattern(n, seed + i)),
        bufferSize,
      )
      assert.deepEqual(readAll(log.bytes), [...log.records.map((_, i) => rec(log, i)), EOF])
    }),
    { numRuns: 150 },
  )
})

// ---- damage -----------------------------------------------------------------------------

/** 120 records of 1000 bytes: about four blocks, with records straddling each boundary. */
const manyLog = (): Log => sizedLog(Array.from({ length: 120 }, () => 1000))

test('flipped payload byte: checksum mismatch, resume at the next block', () => {
  const log = manyLog()
  const bytes = log.bytes.slice()
  const bad = 5
  bytes[log.offsets[bad]! + HEADER_SIZE + 500]! ^= 0x01
  const results = readAll(bytes)
  assert.deepEqual(shape(results), expectResync(log, bad, log.offsets[bad]!, BLOCK_SIZE))
  assert.match(damages(results)[0]!.reason, /checksum mismatch/)
})

test('damage in the middle followed by valid records: damage, then the later records', () => {
  const log = manyLog()
  const bytes = log.bytes.slice()
  const bad = log.offsets.findIndex((o) => o > BLOCK_SIZE + 5000)
  bytes[log.offsets[bad]! + HEADER_SIZE + 3]! ^= 0x80
  const results = readAll(bytes)
  assert.deepEqual(shape(results), expectResync(log, bad, log.offsets[bad]!, 2 * BLOCK_SIZE))
  const after = results.slice(results.findIndex((r) => r.type === 'damage') + 1)
  assert.ok(after.filter((r) => r.type === 'record').length > 50, 'valid records follow the damage')
})

test('flipped header length byte (low bits): checksum mismatch', () => {
  const log = manyLog()
  const bytes = log.bytes.slice()
  const bad = 3
  bytes[log.offsets[bad]! + 4]! ^= 0x01
  const results = readAll(bytes)
  assert.deepEqual(shape(results), expectResync(log, bad, log.offsets[bad]!, BLOCK_SIZE))
  assert.match(damages(results)[0]!.reason, /checksum mismatch/)
})

test('flipped header length byte (high bits): length runs past the block', () => {
  const log = manyLog()
  const bytes = log.bytes.slice()
  const bad = 3
  bytes[log.offsets[bad]! + 5]! ^= 0x80
  const results = readAll(bytes)
  assert.deepEqual(shape(results), expectResync(log, bad, log.offsets[bad]!, BLOCK_SIZE))
  assert.match(damages(results)[0]!.reason, /runs past the end of its block/)
})

test('flipped type byte: checksum mismatch (the CRC covers the type)', () => {
  const log = manyLog()
  const bytes = log.bytes.slice()
  const bad = 7
  bytes[log.offsets[bad]! + 6] = RecordType.Last
  const results = readAll(bytes)
  assert.deepEqual(shape(results), expectResync(log, bad, log.offsets[bad]!, BLOCK_SIZE))
  assert.match(damages(results)[0]!.reason, /checksum mismatch/)
})

test('unknown record type with a valid checksum: damage, then the next chunk', () => {
  const a = chunk(RecordType.Full, pattern(20, 1))
  const odd = chunk(9, pattern(5, 2))
  const b = chunk(RecordType.Full, pattern(30, 3))
  const results = readAll(concat(a, odd, b))
  assert.deepEqual(shape(results), [
    { type: 'record', record: pattern(20, 1), offset: 0 },
    { type: 'damage', offset: a.length },
    { type: 'record', record: pattern(30, 3), offset: a.length + odd.length },
    EOF,
  ])
  assert.match(damages(results)[0]!.reason, /unknown record type 9/)
})

test('record type 0 with a valid checksum is damage', () => {
  const results = readAll(concat(chunk(0, pattern(4, 1)), chunk(RecordType.Full, pattern(3, 2))))
  assert.match(damages(results)[0]!.reason, /unknown record type 0/)
  assert.deepEqual(results.at(-2), { type: 'record', record: pattern(3, 2), offset: HEADER_SIZE + 4 })
})

test('orphan LAST at the start of a block: damage, then the following records', () => {
  // Record 0 runs from block 0 into block 1; dropping block 0 leaves its LAST at offset 0.
  const log = sizedLog([40_000, 100, 200, 300])
  const bytes = log.bytes.slice(BLOCK_SIZE)
  const results = readAll(bytes)
  assert.deepEqual(shape(results), [
    { type: 'damage', offset: 0 },
    ...[1, 2, 3].map((i) => ({ type: 'record', record: log.records[i], offset: log.offsets[i]! - BLOCK_SIZE })),
    EOF,
  ])
  assert.match(damages(results)[0]!.reason, /LAST fragment without a preceding FIRST/)
})

test('orphan MIDDLE at the start of a block: one damage, its LAST skipped silently', () => {
  const log = sizedLog([80_000, 100, 200])
  const bytes = log.bytes.slice(BLOCK_SIZE)
  const results = readAll(bytes)
  assert.deepEqual(shape(results), [
    { type: 'damage', offset: 0 },
    ...[1, 2].map((i) => ({ type: 'record', record: log.records[i], offset: log.offsets[i]! - BLOCK_SIZE })),
    EOF,
  ])
  assert.match(damages(results)[0]!.reason, /MIDDLE fragment without a preceding FIRST/)
})

test('FULL arriving while a fragmented record is incomplete: damage, then the FULL record', () => {
  const first = chunk(RecordType.First, pattern(10, 1))
  const full = chunk(RecordType.Full, pattern(20, 2))
  const results = readAll(concat(first, full))
  assert.deepEqual(shape(results), [
    { type: 'damage', offset: 0 },
    { type: 'record', record: pattern(20, 2), offset: first.length },
    EOF,
  ])
  assert.match(damages(results)[0]!.reason, /FULL chunk at offset 17 began a new record/)
})

test('FIRST arriving while a fragmented record is incomplete: damage, then the new record', () => {
  const first = chunk(RecordType.First, pattern(10, 1))
  const second = chunk(RecordType.First, pattern(5, 2))
  const last = chunk(RecordType.Last, pattern(6, 3))
  const results = readAll(concat(first, second, last))
  assert.deepEqual(shape(results), [
    { type: 'damage', offset: 0 },
    { type: 'record', record: concat(pattern(5, 2), pattern(6, 3)), offset: first.length },
    EOF,
  ])
  assert.match(damages(results)[0]!.reason, /FIRST chunk at offset 17 began a new record/)
})

test('record cut off by eof after its FIRST and MIDDLE fragments', () => {
  const log = sizedLog([100, 3 * BLOCK_SIZE])
  const bytes = log.bytes.subarray(0, 2 * BLOCK_SIZE)
  const results = readAll(bytes)
  assert.deepEqual(shape(results), [rec(log, 0), { type: 'damage', offset: log.offsets[1]! }, EOF])
  assert.match(damages(results)[0]!.reason, /end of file after 2 fragment/)
})

test('damaged MIDDLE drops the whole record; its LAST is skipped; later records follow', () => {
  const log = sizedLog([100, 2 * BLOCK_SIZE, 50, 60])
  const bytes = log.bytes.slice()
  bytes[BLOCK_SIZE + 100]! ^= 0xff // inside the MIDDLE chunk of record 1
  const results = readAll(bytes)
  assert.deepEqual(shape(results), expectResync(log, 1, log.offsets[1]!, 2 * BLOCK_SIZE))
  assert.match(damages(results)[0]!.reason, /checksum mismatch.*at offset 32768/)
})

function checkTornTail(log: Log, cuts: Iterable<number>): void {
  const last = log.records.length - 1
  const intact = log.records.slice(0, last).map((_, i) => rec(log, i))
  for (const cut of cuts) {
    const results = readAll(log.bytes.subarray(0, cut))
    if (cut <= log.offsets[last]!) {
      assert.deepEqual(results, [...intact, EOF], `cut at ${cut} before the last chunk starts`)
    } else {
      assert.deepEqual(shape(results), [...intact, { type: 'damage', offset: log.offsets[last]! }, EOF], `cut at ${cut}`)
    }
  }
}

test('torn tail: truncating a small last record at every offset', () => {
  const log = sizedLog([10, 20, 30])
  checkTornTail(log, range(log.starts[2]!, log.ends[2]!))
})

test('torn tail: truncating a record that spans two blocks at every offset', () => {
  const log = sizedLog([BLOCK_SIZE - 1000, BLOCK_SIZE + 10])
  checkTornTail(log, range(log.starts[1]!, log.ends[1]!))
})

test('torn tail: truncating a record after a block trailer at every offset', () => {
  const log = sizedLog([BLOCK_SIZE - HEADER_SIZE - 4, 300])
  assert.equal(log.offsets[1], BLOCK_SIZE)
  checkTornTail(log, range(log.starts[1]!, log.ends[1]!))
})

test('torn tail: truncating a record spanning four blocks near every chunk boundary', () => {
  const log = sizedLog([500, 3 * BLOCK_SIZE + 200])
  const cuts = new Set<number>()
  for (let at = log.starts[1]!; at < log.ends[1]!; at += 97) cuts.add(at)
  for (const boundary of [log.offsets[1]!, BLOCK_SIZE, 2 * BLOCK_SIZE, 3 * BLOCK_SIZE, log.ends[1]!]) {
    for (let d = -10; d <= 10; d++) {
      const at = boundary + d
      if (at >= log.starts[1]! && at < log.ends[1]!) cuts.add(at)
    }
  }
  checkTornTail(log, cuts)
})

test('torn tail reasons: truncated header, truncated payload', () => {
  const log = sizedLog([10, 20])
  const header = readAll(log.bytes.subarray(0, log.offsets[1]! + 3))
  assert.match(damages(header)[0]!.reason, /truncated chunk header at end of file \(3 of 7 bytes\)/)
  const payload = readAll(log.bytes.subarray(0, log.offsets[1]! + HEADER_SIZE + 4))
  assert.match(damages(payload)[0]!.reason, /truncated chunk payload at end of file \(20 bytes declared, 4 present\)/)
})

test('zeros from a record boundary to the end of the file (preallocated space) end the log: no damage', () => {
  const log = sizedLog([10, 20, 30])
  const { reader } = readerOf(concat(log.bytes, new Uint8Array(1000)))
  const results = [reader.next(), reader.next(), reader.next(), reader.next(), reader.next()]
  assert.deepEqual(shape(results), [rec(log, 0), rec(log, 1), rec(log, 2), EOF, EOF])
  // A reader following the log resumes where the zeros begin.
  assert.equal(reader.position, log.bytes.length)
})

test('a zero tail over several blocks ends the log too, and a record whose payload ends in zeros is kept', () => {
  const log = sizedLog([10, 20])
  const results = readAll(concat(log.bytes, new Uint8Array(3 * BLOCK_SIZE + 123)))
  assert.deepEqual(shape(results), [rec(log, 0), rec(log, 1), EOF])
  const zeroEnded = buildLog([new Uint8Array([1, 2, 0, 0, 0])]).bytes
  const kept = readAll(concat(zeroEnded, new Uint8Array(5000)))
  assert.deepEqual(kept.map((r) => r.type), ['record', 'eof'])
})

test('zeros with data after them are damage, not the end', () => {
  const log = sizedLog([10, 20, 30])
  const bytes = concat(log.bytes, new Uint8Array(1000), new Uint8Array([7]))
  const results = readAll(bytes)
  assert.deepEqual(shape(results), [rec(log, 0), rec(log, 1), rec(log, 2), { type: 'damage', offset: log.bytes.length }, EOF])
  assert.match(damages(results)[0]!.reason, /zero-filled region/)
})

test('a FIRST fragment followed by zeros to the end is a torn record', () => {
  const log = sizedLog([10, BLOCK_SIZE])
  const cut = log.bytes.slice(0, BLOCK_SIZE)
  const results = readAll(concat(cut, new Uint8Array(2 * BLOCK_SIZE)))
  assert.deepEqual(shape(results), [rec(log, 0), { type: 'damage', offset: log.offsets[1] }, EOF])
  assert.equal(damages(results)[0]!.truncated, true)
})

test('zero-filled block in the middle: damage, then the records after it', () => {
  const log = manyLog()
  const bytes = log.bytes.slice()
  bytes.fill(0, BLOCK_SIZE, 2 * BLOCK_SIZE)
  const results = readAll(bytes)
  const firstHit = log.offsets.findIndex((o, i) => o >= BLOCK_SIZE || log.ends[i]! > BLOCK_SIZE)
  const d = damages(results)
  assert.equal(d.length, 1)
  // The record straddling into the zeroed block loses its LAST: its damage is reported at its start.
  assert.equal(d[0]!.offset, log.offsets[firstHit])
  const recovered = results.filter((r) => r.type === 'record').map((r) => (r as { offset: number }).offset)
  assert.deepEqual(
    recovered,
    log.offsets.filter((o, i) => log.ends[i]! <= BLOCK_SIZE || o >= 2 * BLOCK_SIZE),
  )
})

// ---- hostile bytes ----------------------------------------------------------------------

test('random bytes never make the reader throw or return an unverified record', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3 * BLOCK_SIZE }), (bytes) => {
      for (const r of readAll(bytes)) assert.notEqual(r.type, 'record')
    }),
    { numRuns: 60 },
  )
})

test('single-byte damage anywhere yields only original records, in order', () => {
  const log = sizedLog([0, 5, 100, 40_000, 3, 70_000, 17, BLOCK_SIZE - HEADER_SIZE, 9])
  fc.assert(
    fc.property(fc.nat({ max: log.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.nat(), (at, xor, cutSeed) => {
      const bytes = log.bytes.slice()
      bytes[at]! ^= xor
      const cut = cutSeed % 3 === 0 ? bytes.length - (cutSeed % 100) : bytes.length
      let next = 0
      for (const r of readAll(bytes.subarray(0, Math.max(0, cut)))) {
        if (r.type !== 'record') continue
        while (next < log.records.length && log.offsets[next] !== r.offset) next++
        assert.ok(next < log.records.length, `record at ${r.offset} is not an original record`)
        assert.deepEqual(r.record, log.records[next])
        next++
      }
    }),
    { numRuns: 300 },
  )
})

function* range(from: number, to: number): Iterable<number> {
  for (let i = from; i < to; i++) yield i
}
