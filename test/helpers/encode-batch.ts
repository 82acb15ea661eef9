// A write batch's bytes as the write path encodes them, in an array of their own: the tests'
// way to make log records (the engine itself writes batches into a reused ByteWriter).

import { ByteWriter } from '../../src/util/coding.js'
import { type BatchOp, writeBatch } from '../../src/wal/write-batch.js'

export function encodeBatch(seq: number, ops: readonly BatchOp[]): Uint8Array {
  const w = new ByteWriter()
  writeBatch(w, seq, ops)
  return w.finish()
}
