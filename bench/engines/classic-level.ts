// classic-level (LevelDB 1.20 + Snappy behind Node-API) with its package defaults: a 10
// bits/key bloom filter, 8 MiB cache, 4 MiB write buffer, every call a thread-pool job.

import { BATCH_HEADER, batchBytes, logRecordBytes, tableBytesWritten } from './leveldb-stats.js'
import type { OpenEngine } from './engine.js'
import { requirePeer } from './peer.js'

// The part of classic-level's API used here, declared locally: the engine's build must not
// need the peer installed (bench/package.json holds it).
interface ClassicIterator {
  nextv(size: number): Promise<unknown[]>
  all(): Promise<unknown[]>
  close(): Promise<void>
}
interface ClassicDb {
  open(): Promise<void>
  put(key: string, value: Uint8Array, options: { sync: boolean }): Promise<void>
  batch(ops: { type: 'put'; key: string; value: Uint8Array }[]): Promise<void>
  get(key: string): Promise<Uint8Array | undefined>
  iterator(options?: { gte?: string; limit?: number }): ClassicIterator
  close(): Promise<void>
  getProperty(name: string): string
}
type ClassicLevelClass = new (location: string, options: { valueEncoding: 'view' }) => ClassicDb

export const openClassicLevel: OpenEngine = async (dir) => {
  const { ClassicLevel } = requirePeer<{ ClassicLevel: ClassicLevelClass }>('classic-level')
  const db = new ClassicLevel(dir, { valueEncoding: 'view' })
  await db.open()
  // For write amplification, measured as Shale measures its own: user bytes (key + value) in,
  // log and table bytes out.
  let userBytes = 0
  let logBytes = 0
  return {
    put: (key, value, sync) => {
      userBytes += key.length + value.length
      logBytes += logRecordBytes(batchBytes(key.length, value.length))
      return db.put(key, value, { sync })
    },
    batch: (entries) => {
      let ops = 0
      for (const [key, value] of entries) {
        userBytes += key.length + value.length
        ops += batchBytes(key.length, value.length) - BATCH_HEADER
      }
      logBytes += logRecordBytes(BATCH_HEADER + ops)
      return db.batch(entries.map(([key, value]) => ({ type: 'put', key, value })))
    },
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
    extra: (): Record<string, number> => (userBytes === 0 ? {} : { writeAmplification: (logBytes + tableBytesWritten(db.getProperty('leveldb.stats'))) / userBytes }),
  }
}
