// The write batch: the payload of one log record, holding every operation of one atomic
// write. Recovery decodes it to replay the log; the write path encodes it once and the
// memtable applies the same operations. Layout (docs/format.md#write-batch):
//
//   sequence fixed64 LE | count fixed32 LE | count x operation
//   operation = kind u8 | varint key length | key | (Value, RangeDeletion) varint value length | value
//
// A RangeDeletion's key is the range's start and its value the exclusive end.
//
// Operation i gets sequence number `sequence + i`.

import { corruption, invalidArgument } from '../errors.js'
import { type ByteWriter, getU32, getU64, getVarint } from '../util/coding.js'
import { ValueKind } from '../base/internal-key.js'
import { compareBytes } from '../util/bytes.js'

export type BatchOp = { kind: ValueKind; key: Uint8Array; value: Uint8Array | undefined }

export const BATCH_HEADER_SIZE = 12

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalidArgument(`Write batch sequence must be a non-negative safe integer, got ${seq}`)
}

const hasValue = (kind: number): boolean => kind === ValueKind.Value || kind === ValueKind.RangeDeletion

function checkOp(op: BatchOp): void {
  if (hasValue(op.kind)) {
    if (op.value === undefined) throw invalidArgument(`A ${op.kind === ValueKind.Value ? 'Value' : 'RangeDeletion'} operation in a write batch needs a value`)
    if (op.kind === ValueKind.RangeDeletion && compareBytes(op.key, op.value) >= 0) throw invalidArgument('A RangeDeletion operation in a write batch needs its start before its end')
  } else if (op.kind !== ValueKind.Deletion) {
    throw invalidArgument(`Unknown operation kind ${String(op.kind)} in a write batch`)
  }
}

/**
 * Appends the encoded batch to `w`. Throws INVALID_ARGUMENT for an unknown kind or a Value
 * without a value. Allocating a small array per write costs more than encoding into it, so
 * the write path reuses one ByteWriter and hands w.view() to LogWriter.addRecord (which copies).
 */
export function writeBatch(w: ByteWriter, seq: number, ops: readonly BatchOp[]): void {
  checkSeq(seq)
  // Validate first so a rejected batch leaves nothing half-written in `w`.
  for (const op of ops) checkOp(op)
  w.u64(seq).u32(ops.length)
  for (const op of ops) {
    w.u8(op.kind).lengthPrefixed(op.key)
    if (hasValue(op.kind)) w.lengthPrefixed(op.value!)
  }
}

/**
 * Decodes a batch. Keys and values are views into `payload`, not copies. Throws CORRUPTION
 * naming `where` when the bytes are not exactly one well-formed batch.
 */
export function decodeBatch(payload: Uint8Array, where: string): { seq: number; ops: BatchOp[] } {
  if (payload.length < BATCH_HEADER_SIZE) {
    throw corruption(where, `write batch of ${payload.length} bytes is shorter than its ${BATCH_HEADER_SIZE}-byte header`)
  }
  let seq: number
  try {
    seq = getU64(payload, 0)
  } catch {
    throw corruption(where, 'write batch sequence number exceeds 2^53')
  }
  const count = getU32(payload, 8)
  const ops: BatchOp[] = []
  let at = BATCH_HEADER_SIZE
  while (ops.length < count) {
    if (at === payload.length) {
      throw corruption(where, `write batch header counts ${count} operations but only ${ops.length} are present`)
    }
    const opAt = at
    const kind = payload[at++]!
    if (kind !== ValueKind.Value && kind !== ValueKind.Deletion && kind !== ValueKind.RangeDeletion) {
      throw corruption(where, `write batch operation ${ops.length} at byte ${opAt} has unknown kind ${kind}`)
    }
    let key: Uint8Array
    ;[key, at] = field(payload, at, where, ops.length, 'key')
    let value: Uint8Array | undefined
    if (hasValue(kind)) [value, at] = field(payload, at, where, ops.length, kind === ValueKind.Value ? 'value' : 'range end')
    // Writers never log an empty range (deleteRange(a, a) writes nothing); one that is there
    // was damaged, and replaying it would leave a memtable no table can be built from.
    if (kind === ValueKind.RangeDeletion && compareBytes(key, value!) >= 0) {
      throw corruption(where, `write batch operation ${ops.length} at byte ${opAt} is a range deletion whose start is not before its end`)
    }
    ops.push({ kind: kind as ValueKind, key, value })
  }
  if (at !== payload.length) {
    throw corruption(where, `write batch has ${payload.length - at} trailing bytes after the ${count} operation(s) its header counts`)
  }
  return { seq, ops }
}

/** Reads a varint-length-prefixed field, turning a RangeError into CORRUPTION. */
function field(buf: Uint8Array, at: number, where: string, index: number, what: string): [Uint8Array, number] {
  let length: number
  let p: number
  try {
    ;[length, p] = getVarint(buf, at)
  } catch (err) {
    throw corruption(where, `write batch operation ${index} ${what} length at byte ${at}: ${(err as Error).message}`)
  }
  if (length > buf.length - p) {
    throw corruption(where, `write batch operation ${index} ${what} of ${length} bytes at byte ${p} runs past the end (${buf.length} bytes)`)
  }
  return [buf.subarray(p, p + length), p + length]
}
