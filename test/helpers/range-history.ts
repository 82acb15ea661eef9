// The deterministic write history of the range-deletion crash test and its child: element i
// puts key(i), deletes it, deletes a range of keys [key(i), key(i) + span), or (rarely)
// deletes every key from key(i) on, as deleteRange(gte) without an end does.

import { historyKey } from './crash-history.js'

export type RangeHistoryOp =
  | { type: 'put'; key: string; value: string }
  | { type: 'del'; key: string }
  | { type: 'delRange'; gte: string; lt: string | undefined }

const slot = (i: number): number => (i * 7919) % 300
const keyAt = (n: number): string => `key-${String(n).padStart(3, '0')}`

export function rangeHistoryOp(i: number): RangeHistoryOp {
  if (i % 151 === 75) return { type: 'delRange', gte: historyKey(i), lt: undefined }
  if (i % 11 === 5) return { type: 'delRange', gte: historyKey(i), lt: keyAt(slot(i) + 1 + (i % 17)) }
  if (i % 7 === 3) return { type: 'del', key: historyKey(i) }
  return { type: 'put', key: historyKey(i), value: String(i) }
}

/** Applies history elements [from, to) to state. */
export function applyRangeHistory(state: Map<string, string>, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const op = rangeHistoryOp(i)
    if (op.type === 'put') state.set(op.key, op.value)
    else if (op.type === 'del') state.delete(op.key)
    else for (const k of [...state.keys()]) if (k >= op.gte && (op.lt === undefined || k < op.lt)) state.delete(k)
  }
}
