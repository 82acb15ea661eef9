// The browser benchmark, run in one dedicated worker: shale/level (on OPFS) against
// browser-level (on IndexedDB), the two drop-ins for abstract-level in a browser, and
// Shale's own API for reference. Each engine fills `count` keys with awaited puts (in
// random order) and, in a fresh store, in batches; then reads them back at random and in
// order. Keys are 16 bytes, values 100; writes are not synced (Shale without sync: true,
// browser-level with IndexedDB's default durability).

import { BrowserLevel } from 'browser-level'
import { Shale } from '../../../src/index.js'
import { ShaleLevel } from '../../../src/level/shale-level.js'

interface Store {
  open(): Promise<void>
  put(key: string, value: string): Promise<void>
  batch(ops: { type: 'put'; key: string; value: string }[]): Promise<void>
  get(key: string): Promise<unknown>
  scan(): Promise<number>
  close(): Promise<void>
}

function levelStore(db: ShaleLevel | BrowserLevel): Store {
  const d = db as unknown as {
    open(): Promise<void>
    put(k: string, v: string): Promise<void>
    batch(ops: object[]): Promise<void>
    get(k: string): Promise<unknown>
    iterator(): AsyncIterable<unknown>
    close(): Promise<void>
  }
  return {
    open: () => d.open(),
    put: (k, v) => d.put(k, v),
    batch: (ops) => d.batch(ops),
    get: (k) => d.get(k),
    scan: async () => {
      let n = 0
      for await (const _ of d.iterator()) n++
      return n
    },
    close: () => d.close(),
  }
}

function shaleStore(location: string): Store {
  let db: Shale | undefined
  return {
    open: async () => {
      db = await Shale.open(location)
    },
    put: (k, v) => db!.put(k, v),
    batch: (ops) => db!.write(ops),
    get: (k) => db!.get(k),
    scan: async () => {
      let n = 0
      for await (const _ of db!.iterator()) n++
      return n
    },
    close: () => db!.close(),
  }
}

const ENGINES: Record<string, (run: string) => Store> = {
  'shale/level (OPFS)': (run) => levelStore(new ShaleLevel(`/bench/${run}/shale-level`)),
  'browser-level (IndexedDB)': (run) => levelStore(new BrowserLevel<string, string>(`bench-${run}`)),
  'Shale API (OPFS)': (run) => shaleStore(`/bench/${run}/shale`),
}

export interface BenchRow {
  engine: string
  workload: string
  ops: number
  ms: number
  opsPerSec: number
}

export async function benchmark(args: Record<string, unknown>): Promise<BenchRow[]> {
  const count = (args.count as number | undefined) ?? 100_000
  const engines = (args.engines as string[] | undefined) ?? Object.keys(ENGINES)
  const keys = Array.from({ length: count }, (_, i) => `key${String(i).padStart(13, '0')}`)
  // A fixed shuffle (a linear congruential generator), the same for every engine.
  const order = keys.slice()
  let s = 42
  const rand = (n: number): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n)
  for (let i = order.length - 1; i > 0; i--) {
    const j = rand(i + 1)
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const value = 'v'.repeat(100)
  const rows: BenchRow[] = []
  const time = async (engine: string, workload: string, ops: number, fn: () => Promise<void>): Promise<void> => {
    const started = performance.now()
    await fn()
    const ms = performance.now() - started
    rows.push({ engine, workload, ops, ms, opsPerSec: (ops * 1000) / ms })
  }
  const run = String(Date.now())
  for (const engine of engines) {
    const make = ENGINES[engine]!
    const a = make(`${run}-puts`)
    await a.open()
    await time(engine, 'fill, awaited puts (random order)', count, async () => {
      for (const k of order) await a.put(k, value)
    })
    await a.close()
    const b = make(`${run}-batches`)
    await b.open()
    await time(engine, 'fill, batches of 1,000 (random order)', count, async () => {
      for (let i = 0; i < count; i += 1000) await b.batch(order.slice(i, i + 1000).map((key) => ({ type: 'put', key, value })))
    })
    await time(engine, 'read at random, awaited gets', count, async () => {
      for (let i = 0; i < count; i++) {
        if ((await b.get(keys[rand(count)]!)) === undefined) throw new Error(`${engine}: a key is missing`)
      }
    })
    await time(engine, 'read in order, one iterator', count, async () => {
      const n = await b.scan()
      if (n !== count) throw new Error(`${engine}: iterated ${n} of ${count}`)
    })
    await b.close()
  }
  return rows
}
