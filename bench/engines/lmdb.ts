// lmdb-js: writes of one event turn are batched into one transaction committed on a worker
// thread; reads are synchronous. With noSync the commits are never fsynced.

import { open } from 'lmdb'
import type { OpenEngine } from './engine.js'

export function openLmdb(noSync: boolean): OpenEngine {
  return async (dir) => {
    const db = open<Buffer, string>({ path: dir, encoding: 'binary', noSync })
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
      async scan() {
        let n = 0
        for (const _ of db.getRange()) n++
        return n
      },
      async seek(key, count) {
        let n = 0
        for (const _ of db.getRange({ start: key, limit: count })) n++
        return n
      },
      close: () => db.close(),
    }
  }
}
