// What a reopened store holds, as a Map, and whether two such states are equal: the checks
// the crash and power-loss tests make against the write history they expect.

import type { Shale } from '../../src/index.js'

/** Every entry of the store as strings; `value` normalises a value (default: as stored). */
export async function contents(db: Shale, value: (v: string) => string = (v) => v): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for await (const [k, v] of db.iterator()) out.set(k.toString(), value(v.toString()))
  return out
}

export const sameState = (a: Map<string, string>, b: Map<string, string>): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)
