// The model-based randomized test's sequence: random operations run against Shale and
// against a plain sorted-map model, with tiny memtables and blocks so that many tables and
// blocks are involved, and every read is checked against the model. test/db/model.test.ts
// runs it on Node; test/browser/ runs it in Chromium, on OPFS, so it uses nothing of Node's.

import { Shale, type Snapshot } from '../../src/index.js'
import type { Options } from '../../src/base/options.js'
import { Random } from './random.js'

type Model = Map<string, string>

/** The bytes as a one-char-per-byte string, the form the model stores. */
function latin1(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!)
  return s
}

/** Byte order of two one-char-per-byte strings: their code units' order. */
const compareLatin1 = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export function sortedEntries(model: Model): [string, string][] {
  return [...model.entries()].sort(([a], [b]) => compareLatin1(a, b))
}

function randomKey(r: Random): string {
  // A small key space so keys are overwritten and deleted often; varying lengths and a
  // shared prefix exercise prefix compression.
  const n = r.int(120)
  return r.bool(0.1) ? `k${n}` : `key-${String(n).padStart(3, '0')}${r.bool(0.2) ? '-long-suffix' : ''}`
}

function randomValue(r: Random): string {
  const size = r.bool(0.05) ? 200 + r.int(400) : r.int(20)
  return `v${r.int(1e6)}`.padEnd(size, 'x')
}

interface Range {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  reverse: boolean
  limit?: number
}

function randomRange(r: Random): Range {
  const range: Range = { reverse: r.bool() }
  if (r.bool(0.6)) range[r.bool() ? 'gt' : 'gte'] = randomKey(r)
  if (r.bool(0.6)) range[r.bool() ? 'lt' : 'lte'] = randomKey(r)
  if (r.bool(0.3)) range.limit = r.int(10)
  return range
}

function expectedRange(model: Model, range: Range): [string, string][] {
  const cmp = compareLatin1
  let rows = sortedEntries(model).filter(([k]) => {
    if (range.gte !== undefined && cmp(k, range.gte) < 0) return false
    if (range.gt !== undefined && cmp(k, range.gt) <= 0) return false
    if (range.lte !== undefined && cmp(k, range.lte) > 0) return false
    if (range.lt !== undefined && cmp(k, range.lt) >= 0) return false
    return true
  })
  if (range.reverse) rows = rows.reverse()
  if (range.limit !== undefined) rows = rows.slice(0, range.limit)
  return rows
}

/** A range deletion's [gte, lt): two random keys in order (sometimes equal: a no-op), or a prefix's span. */
function randomDeletedRange(r: Random): [string, string] {
  if (r.bool(0.2)) {
    const d = String(r.int(12)).padStart(2, '0')
    return [`key-${d}`, `key-${d}~`]
  }
  const a = randomKey(r)
  const b = r.bool(0.1) ? a : randomKey(r)
  return compareLatin1(a, b) <= 0 ? [a, b] : [b, a]
}

function deleteRangeIn(model: Model, gte: string, lt: string): void {
  for (const k of [...model.keys()]) if (compareLatin1(k, gte) >= 0 && compareLatin1(k, lt) < 0) model.delete(k)
}

/** What one sequence exercised, so the tests can show they did not pass vacuously. */
export interface Coverage {
  /** Range deletions written (alone or in batches). */
  rangeDeletions: number
  compactions: number
  multiLevel: boolean
  /** Reads (gets and iterations) checked against the model. */
  checkedReads: number
}

export async function runSequence(seed: number, length: number, makeFs: () => { options: Partial<Options>; location: string }, reproduce = 'npm test'): Promise<Coverage> {
  const r = new Random(seed)
  const { options: fsOptions, location } = makeFs()
  const options: Options = {
    ...fsOptions,
    memtableSize: 1024 + r.int(4096),
    blockSize: 64 + r.int(256),
    blockRestartInterval: 1 + r.int(8),
    bloomBitsPerKey: r.pick([0, 4, 10]),
    blockCacheSize: r.pick([0, 4096, 1 << 20]),
    maxOpenFiles: r.pick([8, 100]),
    // Tiny levels and files so compactions run often and many levels form.
    l0CompactionTrigger: 1 + r.int(4),
    l1TargetSize: 1024 * (1 + r.int(8)),
    levelMultiplier: 2 + r.int(3),
    targetFileSize: 1024 * (1 + r.int(4)),
  }
  let db = await Shale.open(location, options)
  const coverage: Coverage = { rangeDeletions: 0, compactions: 0, multiLevel: false, checkedReads: 0 }
  const model: Model = new Map()
  const snapshots: { snap: Snapshot; model: Model }[] = []
  const log: string[] = []
  const fail = (what: string): never => {
    throw new Error(`seed ${seed}: ${what}\nlast operations:\n${log.slice(-15).join('\n')}\nreproduce: SHALE_SEED=${seed} ${reproduce}`)
  }
  try {
    for (let step = 0; step < length; step++) {
      const op = r.int(100)
      if (op < 30) {
        const k = randomKey(r)
        const v = randomValue(r)
        log.push(`put ${k}`)
        await db.put(k, v, { sync: r.bool(0.05) })
        model.set(k, v)
      } else if (op < 37) {
        const k = randomKey(r)
        log.push(`del ${k}`)
        await db.delete(k)
        model.delete(k)
      } else if (op < 40) {
        const [gte, lt] = randomDeletedRange(r)
        log.push(`deleteRange ${gte} ${lt}`)
        await db.deleteRange(gte, lt, { sync: r.bool(0.05) })
        deleteRangeIn(model, gte, lt)
        coverage.rangeDeletions++
      } else if (op < 48) {
        type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string } | { type: 'delRange'; gte: string; lt: string }
        const ops: Op[] = []
        for (let i = r.int(8); i >= 0; i--) {
          if (r.bool(0.1)) {
            const [gte, lt] = randomDeletedRange(r)
            ops.push({ type: 'delRange', gte, lt })
          } else ops.push(r.bool(0.7) ? { type: 'put', key: randomKey(r), value: randomValue(r) } : { type: 'del', key: randomKey(r) })
        }
        log.push(`batch ${ops.map((o) => (o.type === 'delRange' ? `delRange:${o.gte}..${o.lt}` : `${o.type}:${o.key}`)).join(',')}`)
        await db.write(ops)
        for (const o of ops) {
          if (o.type === 'put') model.set(o.key, o.value)
          else if (o.type === 'del') model.delete(o.key)
          else {
            deleteRangeIn(model, o.gte, o.lt)
            coverage.rangeDeletions++
          }
        }
      } else if (op < 65) {
        const k = randomKey(r)
        const useSnap = snapshots.length > 0 && r.bool(0.3) ? r.pick(snapshots) : undefined
        log.push(`get ${k}${useSnap ? ' @snapshot' : ''}`)
        const got = await db.get(k, useSnap ? { snapshot: useSnap.snap } : undefined)
        const want = (useSnap?.model ?? model).get(k)
        coverage.checkedReads++
        if ((got === undefined ? undefined : latin1(got)) !== want) fail(`get ${k}: got ${got === undefined ? 'undefined' : latin1(got)}, want ${want}`)
      } else if (op < 80) {
        const range = randomRange(r)
        const useSnap = snapshots.length > 0 && r.bool(0.3) ? r.pick(snapshots) : undefined
        log.push(`iterate ${JSON.stringify(range)}${useSnap ? ' @snapshot' : ''}`)
        const got: [string, string][] = []
        for await (const [k, v] of db.iterator({ ...range, ...(useSnap ? { snapshot: useSnap.snap } : {}) })) got.push([latin1(k), latin1(v)])
        const want = expectedRange(useSnap?.model ?? model, range)
        coverage.checkedReads++
        if (JSON.stringify(got) !== JSON.stringify(want)) fail(`iterate ${JSON.stringify(range)}:\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`)
      } else if (op < 85) {
        log.push('snapshot')
        snapshots.push({ snap: db.snapshot(), model: new Map(model) })
      } else if (op < 88 && snapshots.length > 0) {
        log.push('release snapshot')
        const i = r.int(snapshots.length)
        snapshots[i]!.snap.release()
        snapshots.splice(i, 1)
      } else if (op < 91) {
        log.push('flush')
        await db.flush()
      } else if (op < 93) {
        const a = r.bool(0.7) ? randomKey(r) : undefined
        const b = r.bool(0.7) ? randomKey(r) : undefined
        const [start, end] = a !== undefined && b !== undefined && compareLatin1(a, b) > 0 ? [b, a] : [a, b]
        log.push(`compactRange ${start} ${end}`)
        await db.compactRange(start, end)
      } else if (op < 96) {
        log.push('reopen')
        await db.close()
        snapshots.length = 0
        db = await Shale.open(location, options)
      } else {
        // An iterator that stays open across writes and a flush still sees its own view.
        const range = randomRange(r)
        log.push(`iterate-across-flush ${JSON.stringify(range)}`)
        const want = expectedRange(model, range)
        const it = db.iterator(range)
        const first = it.nextSync()
        const extraKey = randomKey(r)
        await db.put(extraKey, 'written-while-iterating')
        model.set(extraKey, 'written-while-iterating')
        await db.flush()
        const got: [string, string][] = first ? [[latin1(first[0]), latin1(first[1])]] : []
        for (const [k, v] of it) got.push([latin1(k), latin1(v)])
        if (JSON.stringify(got) !== JSON.stringify(want)) fail(`iterate across flush ${JSON.stringify(range)}:\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`)
      }
    }
    // Compactions ran, and the tree has more than one level (checked across all sequences).
    const stats = db.stats()
    coverage.compactions = stats.levels.reduce((n, l) => n + l.compactions, 0)
    coverage.multiLevel = stats.levels.filter((l) => l.files > 0).length > 1
    // Final full check, then after a reopen.
    for (let round = 0; round < 2; round++) {
      const got: [string, string][] = []
      for await (const [k, v] of db.iterator()) got.push([latin1(k), latin1(v)])
      const want = sortedEntries(model)
      if (JSON.stringify(got) !== JSON.stringify(want)) fail(`final contents (round ${round}):\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`)
      await db.close()
      db = await Shale.open(location, options)
    }
  } finally {
    await db.close()
  }
  return coverage
}
