// Shale with its default options, or with `blockSearch: 'linear'` for the ablation (a linear
// scan of index and data blocks instead of binary search over restart points), or read-only:
// reading a store another process wrote, to compare with the writer's own handle.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Shale } from '../../src/index.js'
import type { OpenEngine } from './engine.js'

/** `npm run bench -- --shale-options '{...}'`: extra open options, for ablations. */
const extraOptions = (): Record<string, unknown> => (process.env.SHALE_BENCH_OPTIONS === undefined ? {} : (JSON.parse(process.env.SHALE_BENCH_OPTIONS) as Record<string, unknown>))

export function openShale(blockSearch: 'binary' | 'linear', readOnly = false): OpenEngine {
  return async (dir) => {
    // The read-only engine's seed is written by a writer, like any store it would follow.
    const db = await Shale.open(dir, { ...extraOptions(), blockSearch, readOnly: readOnly && existsSync(join(dir, 'CURRENT')) })
    return {
      put: (key, value, sync) => db.put(key, value, { sync }),
      batch: (entries) => db.write(entries.map(([key, value]) => ({ type: 'put', key, value }))),
      ingest: async (entries) => (await db.ingest(entries)).entries,
      get: (key) => db.get(key),
      // The async iteration a server would use: it lets the event loop turn (the sync
      // for...of and nextvSync would hold it for the whole scan).
      async scan() {
        let n = 0
        for await (const _ of db.iterator()) n++
        return n
      },
      async seek(key, count) {
        const it = db.iterator({ gte: key, limit: count })
        const n = (await it.nextv(count)).length
        it.close()
        return n
      },
      // A store this process wrote is left flushed and settled (no compaction debt), so read
      // workloads on its copy measure the same tree whether the handle reading it turns the
      // last log into a table and compacts at open (a writer) or keeps it in memory (read-only).
      close: async () => {
        if (!db.readOnly && db.stats().userBytes > 0) {
          await db.flush()
          await db.waitForCompactions()
        }
        await db.close()
      },
      // Write amplification only when this process wrote: a read workload has nothing to amplify.
      extra: (): Record<string, number> => {
        const s = db.stats()
        const w = s.wal
        const sync = w.rounds > 0 ? { fsyncP50Ms: w.fsyncP50Millis, writersPerRound: w.syncedWrites / w.rounds, syncGapP50Ms: w.gapP50Millis } : {}
        // Stalls: writes that waited for a memtable or at the level-0 stop trigger; slowdowns:
        // those delayed at the level-0 slowdown trigger.
        const stalls = { writeStalls: s.writeStalls + s.writeStops, writeSlowdowns: s.writeSlowdowns }
        return { ...(s.userBytes > 0 ? { writeAmplification: s.writeAmplification, ...stalls } : {}), blockCacheBytes: s.blockCache.bytes, ...sync }
      },
    }
  }
}
