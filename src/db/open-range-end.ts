// db.deleteRange(gte) without an end: "every key from gte on". A range tombstone needs a real
// end, and the log must record the same one recovery and the change feed will see, so the end
// is fixed when the write is numbered, from what the store then holds: just past the largest
// key of any memtable, table or earlier operation of the same batch. Keys written later are
// numbered after the tombstone, so they are unaffected however they sort.

import { ValueKind } from '../base/internal-key.js'
import { keySuccessor } from '../base/range-tombstones.js'
import { compareBytes } from '../util/bytes.js'
import type { PendingOp } from './arguments.js'

/** Whether some operation is a range deletion still waiting for its end. */
export function hasOpenRangeEnd(ops: readonly PendingOp[]): boolean {
  for (const op of ops) if (op.kind === ValueKind.RangeDeletion && op.value === undefined) return true
  return false
}

/**
 * `ops` with each open range deletion given its end, or dropped when no key at or after its
 * start exists (it would delete nothing). `largestStored` is the largest user key of the
 * memtables and tables, as the write is numbered; every write numbered before it is applied.
 */
export function resolveOpenRangeEnds(ops: readonly PendingOp[], largestStored: Uint8Array | undefined): PendingOp[] {
  const out: PendingOp[] = []
  let largest = largestStored
  for (const op of ops) {
    if (op.kind === ValueKind.RangeDeletion && op.value === undefined) {
      if (largest !== undefined && compareBytes(op.key, largest) <= 0) out.push({ ...op, value: keySuccessor(largest) })
      continue
    }
    // A put or delete earlier in the batch is numbered before the range deletion, so it counts.
    const last = op.kind === ValueKind.RangeDeletion ? op.value! : op.key
    if (largest === undefined || compareBytes(last, largest) > 0) largest = last
    out.push(op)
  }
  return out
}
