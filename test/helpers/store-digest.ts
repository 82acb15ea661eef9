// A short digest of a store's contents (or of what a snapshot sees), so that a child process
// can report what a checkpoint should hold and the parent can check it after a kill.

import type { Shale, Snapshot } from '../../src/index.js'

export async function storeDigest(db: Shale, snapshot?: Snapshot): Promise<{ count: number; hash: string }> {
  let count = 0
  // FNV-1a over every key and value, with separators.
  let h = 0x811c9dc5
  const mix = (bytes: Uint8Array, sep: number): void => {
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193)
    h = Math.imul(h ^ sep, 0x01000193)
  }
  for await (const [k, v] of db.iterator({ snapshot })) {
    count++
    mix(k, 0x3d)
    mix(v, 0x0a)
  }
  return { count, hash: (h >>> 0).toString(16) }
}
