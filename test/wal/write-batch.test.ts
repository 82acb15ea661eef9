// Write batches: golden bytes, round trips (fixed and random), and one test per way a
// stored batch can be malformed. Batches are encoded as the write path does, with writeBatch.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { type BatchOp, BATCH_HEADER_SIZE, decodeBatch, writeBatch } from '../../src/wal/write-batch.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { ByteWriter } from '../../src/util/coding.js'
import { encodeBatch } from '../helpers/encode-batch.js'
import { ShaleError } from '../../src/errors.js'

const u = (s: string): Uint8Array => new TextEncoder().encode(s)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const put = (k: string | Uint8Array, v: string | Uint8Array): BatchOp => ({
  kind: ValueKind.Value,
  key: typeof k === 'string' ? u(k) : k,
  value: typeof v === 'string' ? u(v) : v,
})
const del = (k: string | Uint8Array): BatchOp => ({ kind: ValueKind.Deletion, key: typeof k === 'string' ? u(k) : k, value: undefined })

function isCorruption(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ShaleError, String(e))
    assert.equal(e.code, 'CORRUPTION')
    assert.match(e.message, /000009\.log offset 40/)
    assert.match(e.message, pattern)
    return true
  }
}
const WHERE = '000009.log offset 40'


/** The size the layout gives: the header, then per operation a kind byte and length-prefixed fields. */
function batchSize(ops: readonly BatchOp[]): number {
  const varintSize = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5)
  let size = BATCH_HEADER_SIZE
  for (const op of ops) {
    size += 1 + varintSize(op.key.length) + op.key.length
    if (op.value !== undefined) size += varintSize(op.value.length) + op.value.length
  }
  return size
}

test('golden bytes: put k=v1, delete old at sequence 7', () => {
  // Pinned, and used as the worked example in docs/format.md#write-batch.
  const bytes = encodeBatch(7, [put('k', 'v1'), del('old')])
  assert.equal(hex(bytes), '0700000000000000' + '02000000' + '01' + '01' + '6b' + '02' + '7631' + '00' + '03' + '6f6c64')
})

test('round trip: puts, deletions, empty key and value, long fields', () => {
  const ops = [put('a', 'b'), del('gone'), put('', ''), put(new Uint8Array(300).fill(7), new Uint8Array(70_000).fill(9)), del('')]
  const seq = 123_456_789
  const { seq: got, ops: decoded } = decodeBatch(encodeBatch(seq, ops), WHERE)
  assert.equal(got, seq)
  assert.deepEqual(decoded, ops)
})

test('round trip: empty batch', () => {
  const bytes = encodeBatch(5, [])
  assert.equal(bytes.length, BATCH_HEADER_SIZE)
  assert.deepEqual(decodeBatch(bytes, WHERE), { seq: 5, ops: [] })
})

test('round trip: largest sequence number', () => {
  const seq = Number.MAX_SAFE_INTEGER
  assert.equal(decodeBatch(encodeBatch(seq, [put('k', 'v')]), WHERE).seq, seq)
})

test('writeBatch appends to what a ByteWriter already holds', () => {
  const ops = [put('key', 'value'), del('x'), put(new Uint8Array(200), u('v'))]
  const w = new ByteWriter(4)
  w.u8(0xee) // something already in the writer stays in front
  writeBatch(w, 42, ops)
  assert.equal(w.view()[0], 0xee)
  assert.deepEqual(w.view().subarray(1), encodeBatch(42, ops))
})

test('a batch is exactly as long as its layout says', () => {
  const ops = [put('key', 'value'), del('x'), put(new Uint8Array(200), new Uint8Array(20_000))]
  assert.equal(encodeBatch(1, ops).length, BATCH_HEADER_SIZE + (1 + 1 + 3 + 1 + 5) + (1 + 1 + 1) + (1 + 2 + 200 + 3 + 20_000))
  assert.equal(batchSize(ops), encodeBatch(1, ops).length)
  assert.equal(batchSize([]), BATCH_HEADER_SIZE)
  assert.equal(encodeBatch(1, []).length, BATCH_HEADER_SIZE)
})

test('decoded keys and values are views into the payload', () => {
  const bytes = encodeBatch(1, [put('k', 'v')])
  const [op] = decodeBatch(bytes, WHERE).ops
  assert.equal(op!.key.buffer, bytes.buffer)
})

test('round trip property: random operations', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant(ValueKind.Value), key: fc.uint8Array({ maxLength: 300 }), value: fc.uint8Array({ maxLength: 300 }) }),
    fc.record({ kind: fc.constant(ValueKind.Deletion), key: fc.uint8Array({ maxLength: 300 }), value: fc.constant(undefined) }),
  )
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.array(op, { maxLength: 30 }), (seq, ops) => {
      const plain: BatchOp[] = ops.map((o) => ({ kind: o.kind, key: o.key, value: o.value }))
      const bytes = encodeBatch(seq, plain)
      assert.equal(bytes.length, batchSize(plain))
      assert.deepEqual(decodeBatch(bytes, WHERE), { seq, ops: plain })
    }),
    { numRuns: 200 },
  )
})

test('writeBatch rejects a Value without a value, an unknown kind, a bad sequence, and writes nothing then', () => {
  const invalid = (e: unknown): boolean => e instanceof ShaleError && e.code === 'INVALID_ARGUMENT'
  const w = new ByteWriter()
  assert.throws(() => writeBatch(w, 1, [put('a', 'b'), { kind: ValueKind.Value, key: u('k'), value: undefined }]), invalid)
  assert.throws(() => writeBatch(w, 1, [{ kind: 5 as ValueKind, key: u('k'), value: undefined }]), invalid)
  assert.throws(() => writeBatch(w, -1, []), invalid)
  assert.throws(() => writeBatch(w, 1.5, []), invalid)
  assert.equal(w.length, 0, 'a rejected batch leaves nothing half-written')
})

// ---- malformed batches ------------------------------------------------------------------

test('decode error: header shorter than 12 bytes', () => {
  for (const n of [0, 1, 11]) {
    assert.throws(() => decodeBatch(new Uint8Array(n), WHERE), isCorruption(/shorter than its 12-byte header/))
  }
})

test('decode error: sequence number beyond 2^53', () => {
  const bytes = encodeBatch(1, [])
  bytes[7] = 0xff
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/sequence number exceeds 2\^53/))
})

test('decode error: count larger than the operations present', () => {
  const bytes = encodeBatch(1, [put('a', 'b'), del('c')])
  bytes[8] = 3
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/counts 3 operations but only 2 are present/))
})

test('decode error: count smaller than the operations present (trailing operation)', () => {
  const bytes = encodeBatch(1, [put('a', 'b'), del('c')])
  bytes[8] = 1
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/3 trailing bytes after the 1 operation\(s\) its header counts/))
})

test('decode error: trailing garbage after the counted operations', () => {
  const good = encodeBatch(1, [put('a', 'b')])
  const bytes = new Uint8Array(good.length + 1)
  bytes.set(good)
  bytes[good.length] = 0xaa
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/1 trailing bytes/))
})

test('decode error: unknown operation kind', () => {
  const bytes = encodeBatch(1, [put('a', 'b')])
  bytes[12] = 3
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/operation 0 at byte 12 has unknown kind 3/))
})

test('a range deletion is kind 2 | start | end, the end stored like a value (the change feed reads it so)', () => {
  const w = new ByteWriter()
  writeBatch(w, 9, [{ kind: ValueKind.RangeDeletion, key: u('a'), value: u('cd') }, del('x')])
  const bytes = w.finish()
  assert.deepEqual([...bytes.subarray(12)], [2, 1, 0x61, 2, 0x63, 0x64, 0, 1, 0x78])
  const back = decodeBatch(bytes, WHERE)
  assert.equal(back.seq, 9)
  assert.deepEqual(back.ops.map((o) => [o.kind, Buffer.from(o.key).toString(), o.value && Buffer.from(o.value).toString()]), [[2, 'a', 'cd'], [0, 'x', undefined]])
  // Its end is required, as a put's value is; cut short it is corruption.
  assert.throws(() => writeBatch(new ByteWriter(), 1, [{ kind: ValueKind.RangeDeletion, key: u('a'), value: undefined }]), /needs a value/)
  assert.throws(() => decodeBatch(bytes.subarray(0, 15), WHERE), isCorruption(/range end/))
})

test('decode error: key length past the end', () => {
  const bytes = encodeBatch(1, [put('a', 'b')])
  bytes[13] = 50
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/operation 0 key of 50 bytes at byte 14 runs past the end/))
})

test('decode error: value length past the end', () => {
  const bytes = encodeBatch(1, [put('a', 'bc')])
  bytes[15] = 3
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/operation 0 value of 3 bytes at byte 16 runs past the end/))
})

test('decode error: payload ends inside a length varint', () => {
  // Header, kind Value, then a varint continuation byte with nothing after it.
  const bytes = fromHex('010000000000000001000000' + '01' + '80')
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/operation 0 key length at byte 13: varint runs past/))
})

test('decode error: payload ends where a value length should be', () => {
  const bytes = fromHex('010000000000000001000000' + '01' + '01' + '6b')
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/operation 0 value length at byte 15/))
})

test('decode error: over-long varint', () => {
  const bytes = fromHex('010000000000000001000000' + '00' + 'ffffffffffffffff01')
  assert.throws(() => decodeBatch(bytes, WHERE), isCorruption(/longer than 8 bytes/))
})

test('decode never throws anything but CORRUPTION on random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeBatch(bytes, WHERE)
      } catch (e) {
        assert.ok(e instanceof ShaleError && e.code === 'CORRUPTION', String(e))
      }
    }),
    { numRuns: 500 },
  )
})
