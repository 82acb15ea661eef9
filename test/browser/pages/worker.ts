// A dedicated Web Worker that runs Shale for the browser tests (bundled by harness.ts with
// the `browser` condition, so it loads the engine's browser side: OPFS, no node: module).
// The page calls its operations by name (page.ts); each returns JSON.

import { Shale, ShaleError } from '../../../src/index.js'
import { ShaleLevel } from '../../../src/level/shale-level.js'
import { OpfsFileSystem } from '../../../src/vfs/opfs-file-system.js'
import { runSequence } from '../../helpers/model-sequence.js'
import type { Call, Port, Reply } from './protocol.js'
import { runLevelSuite } from './level-suite.js'
import { benchmark } from './benchmark.js'

const scope = globalThis as unknown as Port
const levels: ShaleLevel[] = []

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))

type Operation = (args: Record<string, unknown>) => Promise<unknown>

const ops: Record<string, Operation> = {
  /** Model-based randomized sequences on OPFS, one database directory per seed. */
  async model(args) {
    const seeds = args.seeds as number[]
    const totals = { sequences: 0, compactions: 0, multiLevelTrees: 0, checkedReads: 0 }
    for (const seed of seeds) {
      const c = await runSequence(seed, args.length as number, () => ({ options: {}, location: `/model/${seed}` }), 'npm run test:browser')
      totals.sequences++
      totals.compactions += c.compactions
      if (c.multiLevel) totals.multiLevelTrees++
      totals.checkedReads += c.checkedReads
    }
    return totals
  },

  /** Writes `count` keys (every `syncEvery`-th with sync), flushing and compacting on the way; closes only if asked. */
  async fill(args) {
    const db = await Shale.open(args.location as string, { memtableSize: 16 * 1024, l0CompactionTrigger: 2, targetFileSize: 8 * 1024, l1TargetSize: 32 * 1024 })
    const count = args.count as number
    for (let i = 0; i < count; i++) {
      await db.put(`key-${String(i).padStart(6, '0')}`, `value-${i}-${'x'.repeat(i % 50)}`, { sync: i % (args.syncEvery as number) === 0 })
      if (i === Math.floor(count / 2)) await db.compactRange()
    }
    await db.put('last', String(count - 1), { sync: true })
    const stats = db.stats()
    if (args.close === true) await db.close()
    return { files: stats.levels.reduce((n, l) => n + l.files, 0) }
  },

  /** Every entry of the store, as text; and how long open() took (it may wait for a dead worker's handles). */
  async readAll(args) {
    const started = performance.now()
    const db = await Shale.open(args.location as string, args.lockTimeoutMs === undefined ? {} : { fileSystem: new OpfsFileSystem({ lockTimeoutMs: args.lockTimeoutMs as number }) })
    const openMs = performance.now() - started
    const entries: [string, string][] = []
    for await (const [k, v] of db.iterator()) entries.push([text(k)!, text(v)!])
    await db.close()
    return { openMs, entries }
  },

  /** Sync writes without end, each acknowledged to the page once put() has resolved, until the worker is terminated. */
  async syncWriter(args) {
    const db = await Shale.open(args.location as string, { memtableSize: 8 * 1024, l0CompactionTrigger: 2, targetFileSize: 4 * 1024, l1TargetSize: 16 * 1024 })
    scope.postMessage({ kind: 'event', value: { opened: true } } satisfies Reply)
    for (let i = 0; ; i++) {
      const ops = [
        { type: 'put' as const, key: `seq-${String(i).padStart(6, '0')}`, value: `v${i}-${'y'.repeat(i % 200)}` },
        { type: 'put' as const, key: 'latest', value: String(i) },
      ]
      await db.write(ops, { sync: true })
      scope.postMessage({ kind: 'event', value: { acked: i } } satisfies Reply)
    }
  },

  /** Opens with a short lock timeout while another worker holds the store: the error's code and how long it took. */
  async openLocked(args) {
    const started = performance.now()
    try {
      const db = await Shale.open(args.location as string, { fileSystem: new OpfsFileSystem({ lockTimeoutMs: args.lockTimeoutMs as number }) })
      await db.close()
      return { code: undefined, ms: performance.now() - started }
    } catch (err) {
      return { code: (err as ShaleError).code, message: (err as Error).message, ms: performance.now() - started }
    }
  },

  async debug() {
    return levels.map((l) => {
      try {
        return { location: l.location, status: (l as unknown as { status: string }).status, stats: l.status === 'open' ? l.stats() : undefined }
      } catch (err) {
        return { location: l.location, error: String(err) }
      }
    }).slice(-3)
  },

  async levelSuite(args) {
    return runLevelSuite((location, options) => { const l = new ShaleLevel(location, options); levels.push(l); return l }, args.options as object, args.root as string, (test) => scope.postMessage({ kind: 'event', value: { test } } satisfies Reply))
  },

  async bench(args) {
    return benchmark(args)
  },
}

scope.onmessage = (e) => {
  const { call, op, args } = e.data as Call
  const run = ops[op]
  if (run === undefined) {
    scope.postMessage({ kind: 'error', call, code: undefined, message: `no operation ${op}` } satisfies Reply)
    return
  }
  run(args).then(
    (value) => scope.postMessage({ kind: 'result', call, value } satisfies Reply),
    (err: unknown) => scope.postMessage({ kind: 'error', call, code: (err as { code?: string }).code, message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) } satisfies Reply),
  )
}
scope.postMessage({ kind: 'event', value: { ready: true } } satisfies Reply)
