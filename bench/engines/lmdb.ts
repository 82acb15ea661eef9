// lmdb-js: writes of one event turn are batched into one transaction committed on a worker
// thread; reads are synchronous. With noSync the commits are never fsynced.

import { countEntries, type OpenEngine } from './engine.js'
import { requirePeer } from './peer.js'

// The part of lmdb's API used here, declared locally: the engine's build must not need the
// peer installed (bench/package.json holds it). Its CommonJS entry is the same addon.
interface LmdbDb {
  put(key: string, value: Buffer): Promise<boolean>
  batch(fn: () => void): Promise<boolean>
  get(key: string): Buffer | undefined
  getRange(options?: { start?: string; limit?: number }): Iterable<unknown>
  readonly flushed: Promise<boolean>
  close(): Promise<void>
}
type LmdbOpen = (options: { path: string; encoding: 'binary'; noSync: boolean }) => LmdbDb

export function openLmdb(noSync: boolean): OpenEngine {
  return async (dir) => {
    const { open } = requirePeer<{ open: LmdbOpen }>('lmdb')
    const db = open({ path: dir, encoding: 'binary', noSync })
    return {
      async put(key, value, sync) {
        await db.put(key, value as Buffer)
        // The put settles at commit (overlappingSync); `flushed` once that commit is on disk.
        if (sync) await db.flushed
      },
      async batch(entries) {
        await db.batch(() => {
          for (const [key, value] of entries) db.put(key, value as Buffer)
        })
      },
      get: async (key) => db.get(key),
      scan: async () => countEntries(db.getRange()),
      seek: async (key, count) => countEntries(db.getRange({ start: key, limit: count })),
      close: () => db.close(),
    }
  }
}
