// How the change feed turns a logged write batch back into the public operations a caller
// passed to db.write(): one place that knows every operation kind the log carries.

import { bufferView } from '#runtime'
import { corruption } from '../errors.js'
import { ValueKind } from '../base/internal-key.js'
import type { BatchOp } from '../wal/write-batch.js'
import type { LoggedOperation } from './arguments.js'

/** One committed write, as the feed delivers it. */
export interface ChangeBatch {
  /** The sequence number of the batch's first operation; operation i has `sequence + i`. */
  sequence: number
  operations: LoggedOperation[]
}

/**
 * The public form of one logged operation. Keys and values are views of the bytes the feed
 * read from the log (not shared with the engine), so the caller may keep them.
 */
export function changeOperation(op: BatchOp, where: string): LoggedOperation {
  const kind = op.kind as number
  if (kind === ValueKind.Value) return { type: 'put', key: bufferView(op.key), value: bufferView(op.value!) }
  if (kind === ValueKind.Deletion) return { type: 'del', key: bufferView(op.key) }
  // A range deletion is logged with its start as the key and its exclusive end as the value.
  if (kind === ValueKind.RangeDeletion) return { type: 'delRange', gte: bufferView(op.key), lt: bufferView(op.value!) }
  throw corruption(where, `write batch operation of unknown kind ${kind}`)
}
