// The workloads, db_bench style: 16-byte keys `%016d`, values that compress to about half,
// seeded orders so every engine sees the same sequence. Each returns how many operations
// (entries, for batches and scans) it completed before its time budget ran out.

import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { dbKey, dbValue, shuffled } from '../src/cli/workload.js'
import type { BenchEngine } from './engines/engine.js'
import type { OpRecorder } from './measure.js'

export interface BenchSettings {
  /** Keys in the database: the fill size and the key space of reads. */
  num: number
  valueSize: number
  /** Operations for the random read, seek and mixed workloads. */
  reads: number
  /** Operations for the sync-write workloads. */
  syncOps: number
  /** Time budget for one timed phase; a phase that hits it reports what it completed. */
  maxSeconds: number
}

export interface WorkloadContext {
  engine: BenchEngine
  settings: BenchSettings
  rec: OpRecorder
}

export interface Workload {
  name: string
  description: string
  /** Runs on a store already holding `num` keys (loaded in batches, then reopened). */
  preload: boolean
  /** Only these engines have the API it measures (default: every engine). */
  engines?: ReadonlySet<string>
  /** Calls to record: the latency array's size. */
  calls(s: BenchSettings): number
  /** Bytes moved per counted operation, for MB/s. */
  bytesPerOp(s: BenchSettings): number
  run(ctx: WorkloadContext): Promise<number>
}

const BATCH = 1000
/** Entries built between yields while the harness prepares a batch. */
const BUILD_SLICE = 250
const IN_FLIGHT = 64
const SEEK_NEXT = 10

const entryBytes = (s: BenchSettings) => 16 + s.valueSize

/** `ops` awaited calls from `writers` concurrent loops; call(i) performs operation i. */
async function loop(rec: OpRecorder, ops: number, writers: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < ops && !rec.expired) {
      const i = next++
      const t0 = performance.now()
      await call(i)
      if (rec.done(t0)) await rec.pause()
    }
  }
  await Promise.all(Array.from({ length: writers }, worker))
  return rec.count
}

function fill(name: string, description: string, order: 'seq' | 'random', writers: number, sync = false): Workload {
  return {
    name,
    description,
    preload: false,
    calls: (s) => (sync ? s.syncOps : s.num),
    bytesPerOp: entryBytes,
    run({ engine, settings: s, rec }) {
      const ops = sync ? Math.min(s.syncOps, s.num) : s.num
      const keys = order === 'random' ? shuffled(s.num, 1) : undefined
      return loop(rec, ops, writers, (i) => {
        const k = keys === undefined ? i : keys[i]!
        return engine.put(dbKey(k), dbValue(k, s.valueSize), sync)
      })
    },
  }
}

function reads(name: string, description: string, inFlight: number, missing: boolean): Workload {
  return {
    name,
    description,
    preload: true,
    calls: (s) => s.reads,
    bytesPerOp: (s) => (missing ? 17 : entryBytes(s)),
    async run({ engine, settings: s, rec }) {
      const order = shuffled(s.num, 3)
      let wrong = 0
      const done = await loop(rec, s.reads, inFlight, async (i) => {
        const k = order[i % s.num]!
        const v = await engine.get(missing ? `${dbKey(k)}.` : dbKey(k))
        if ((v === undefined) !== missing) wrong++
      })
      if (wrong > 0) throw new Error(`${name}: ${wrong} of ${done} reads gave the wrong presence`)
      return done
    },
  }
}

/** Fills the store in atomic batches of BATCH entries, in key order or in a random one. */
function batchFill(name: string, description: string, order: 'seq' | 'random'): Workload {
  return {
    name,
    description,
    preload: false,
    calls: (s) => Math.ceil(s.num / BATCH),
    bytesPerOp: entryBytes,
    async run({ engine, settings: s, rec }) {
      const keys = order === 'random' ? shuffled(s.num, 1) : undefined
      let entries = 0
      for (let start = 0; start < s.num && !rec.expired; start += BATCH) {
        const batch: [string, Uint8Array][] = []
        for (let i = start; i < Math.min(s.num, start + BATCH); i++) {
          const k = keys === undefined ? i : keys[i]!
          batch.push([dbKey(k), dbValue(k, s.valueSize)])
          // Building the batch is the caller's work, not the engine's: yield while doing it so
          // the loop-delay figures measure the engine (untimed, the same for every engine).
          if ((i - start) % BUILD_SLICE === BUILD_SLICE - 1) await yieldToLoop()
        }
        const t0 = performance.now()
        await engine.batch(batch)
        entries += batch.length
        if (rec.done(t0)) await rec.pause()
      }
      return entries
    },
  }
}

export const WORKLOADS: readonly Workload[] = [
  fill('fillseq', 'num awaited puts in key order into an empty store', 'seq', 1),
  fill('fillrandom', 'num awaited puts in random order, one at a time', 'random', 1),
  batchFill('fillrandom-batch', 'num puts in random order, in atomic batches of 1000', 'random'),
  fill('fillrandom-concurrent', 'num puts in random order, 64 in flight', 'random', IN_FLIGHT),
  batchFill('fillseq-batch', 'num puts in key order, in atomic batches of 1000: the baseline of fillseq-ingest', 'seq'),
  {
    name: 'fillseq-ingest',
    description: "the same num entries in key order, bulk-loaded by one db.ingest() from a generator (durable when it resolves)",
    preload: false,
    engines: new Set(['shale']),
    calls: () => 1,
    bytesPerOp: entryBytes,
    async run({ engine, settings: s, rec }) {
      if (engine.ingest === undefined) throw new Error('fillseq-ingest: this engine has no ingest')
      function* entries(): Generator<{ key: string; value: Uint8Array }> {
        for (let i = 0; i < s.num; i++) yield { key: dbKey(i), value: dbValue(i, s.valueSize) }
      }
      const t0 = performance.now()
      const n = await engine.ingest(entries())
      rec.done(t0)
      if (n !== s.num) throw new Error(`fillseq-ingest loaded ${n} of ${s.num} entries`)
      return n
    },
  },
  {
    name: 'overwrite',
    description: 'num awaited puts of new values over every existing key, random order',
    preload: true,
    calls: (s) => s.num,
    bytesPerOp: entryBytes,
    run({ engine, settings: s, rec }) {
      const order = shuffled(s.num, 2)
      return loop(rec, s.num, 1, (i) => engine.put(dbKey(order[i]!), dbValue(order[i]! + 1, s.valueSize), false))
    },
  },
  reads('readrandom', 'reads awaited gets of existing keys, random order', 1, false),
  reads('readrandom-64', 'reads gets of existing keys, 64 in flight', IN_FLIGHT, false),
  reads('readmissing', 'reads awaited gets of absent keys', 1, true),
  {
    name: 'readseq',
    description: 'one full forward scan of every entry',
    preload: true,
    calls: () => 1,
    bytesPerOp: entryBytes,
    async run({ engine, settings: s, rec }) {
      const t0 = performance.now()
      const n = await engine.scan()
      rec.done(t0)
      if (n !== s.num) throw new Error(`readseq saw ${n} of ${s.num} entries`)
      return n
    },
  },
  {
    name: 'seekrandom',
    description: 'reads seeks to a random existing key, each reading the next 10 entries',
    preload: true,
    calls: (s) => s.reads,
    bytesPerOp: (s) => SEEK_NEXT * entryBytes(s),
    run({ engine, settings: s, rec }) {
      const order = shuffled(s.num, 4)
      return loop(rec, s.reads, 1, (i) => engine.seek(dbKey(order[i % s.num]!), SEEK_NEXT))
    },
  },
  fill('fillsync', 'syncOps puts with sync: true, one writer', 'random', 1, true),
  fill('fillsync-64', 'syncOps puts with sync: true, 64 concurrent writers', 'random', IN_FLIGHT, true),
  {
    name: 'mixed',
    description: "the design notebook's mix: reads calls, half puts and half gets of existing keys, awaited one at a time",
    preload: true,
    calls: (s) => s.reads,
    bytesPerOp: entryBytes,
    async run({ engine, settings: s, rec }) {
      const order = shuffled(s.num, 5)
      let missing = 0
      const done = await loop(rec, s.reads, 1, async (i) => {
        const k = order[i % s.num]!
        // A fixed interleaving (put, get, put, ...) over a random key order: the same for every engine.
        if (i % 2 === 0) await engine.put(dbKey(k), dbValue(k + 2, s.valueSize), false)
        else if ((await engine.get(dbKey(k))) === undefined) missing++
      })
      if (missing > 0) throw new Error(`mixed: ${missing} gets of existing keys found nothing`)
      return done
    },
  },
]

export function workloadByName(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name)
  if (w === undefined) throw new Error(`Unknown workload "${name}"; known: ${WORKLOADS.map((x) => x.name).join(', ')}`)
  return w
}
