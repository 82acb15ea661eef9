// The deterministic history the cross-process read-only test writes: write i (from 1) puts
// or deletes one key, in the same batch as 'last' = i, so a reader can tell from 'last'
// which prefix of the history it sees and check every key against it.

export const HISTORY_KEYS = 97

export const historyKeyOf = (i: number): string => `k${String(i % HISTORY_KEYS).padStart(2, '0')}`
export const historyValueOf = (i: number): string => `v${i}:${'x'.repeat(90)}`
export const historyDeletes = (i: number): boolean => i % 5 === 0

/** Each key's value after writes 1..q: undefined where absent or deleted. */
export function historyState(q: number): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>()
  for (let j = 0; j < HISTORY_KEYS; j++) {
    // The last write to key j at or before q: the largest i <= q with i % K == j.
    let i = q - (((q - j) % HISTORY_KEYS) + HISTORY_KEYS) % HISTORY_KEYS
    if (i === 0) i = -1
    out.set(`k${String(j).padStart(2, '0')}`, i < 1 || historyDeletes(i) ? undefined : historyValueOf(i))
  }
  return out
}
