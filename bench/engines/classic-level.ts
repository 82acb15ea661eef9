// classic-level (LevelDB 1.20 + Snappy behind Node-API) with its package defaults: a 10
// bits/key bloom filter, 8 MiB cache, 4 MiB write buffer, every call a thread-pool job.

import { ClassicLevel } from 'classic-level'
import type { OpenEngine } from './engine.js'

export const openClassicLevel: OpenEngine = async (dir) => {
  const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' })
  await db.open()
  return {
    put: (key, value, sync) => db.put(key, value, { sync }),
    batch: (entries) => db.batch(entries.map(([key, value]) => ({ type: 'put', key, value }))),
    get: (key) => db.get(key),
    async scan() {
      const it = db.iterator()
      let n = 0
      // nextv is the fast path: one thread-pool round trip per 1000 entries.
      for (let page = await it.nextv(1000); page.length > 0; page = await it.nextv(1000)) n += page.length
      await it.close()
      return n
    },
    async seek(key, count) {
      return (await db.iterator({ gte: key, limit: count }).all()).length
    },
    close: () => db.close(),
  }
}
