// The write history of the crash and power-loss tests: batches of puts and deletes, in the
// order they were issued, what a reopened store holds, and the checks that it holds exactly
// the history up to some point (a prefix, no holes) at or after the last write acknowledged
// with sync: true.

import type { Shale } from '../../src/index.js'

export interface Op {
  key: string
  /** undefined: a delete. */
  value: string | undefined
}

/** Every entry of the store as strings; `value` normalises a value (default: as stored). */
export async function contents(db: Shale, value: (v: string) => string = (v) => v): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for await (const [k, v] of db.iterator()) out.set(k.toString(), value(v.toString()))
  return out
}

/** The store after the first `upTo` batches of history. */
export function stateAfter(history: Op[][], upTo: number): Map<string, string> {
  const state = new Map<string, string>()
  for (let i = 0; i < upTo; i++) for (const op of history[i]!) op.value === undefined ? state.delete(op.key) : state.set(op.key, op.value)
  return state
}

export const sameState = (a: Map<string, string>, b: Map<string, string>): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)

/** The longest prefix of history, at least `atLeast` batches, that leaves the store as `got`; undefined if none does. */
export function matchedPrefix(history: Op[][], got: Map<string, string>, atLeast: number): number | undefined {
  for (let upTo = history.length; upTo >= atLeast; upTo--) if (sameState(stateAfter(history, upTo), got)) return upTo
  return undefined
}
