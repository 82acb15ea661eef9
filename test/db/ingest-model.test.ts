// Model-based randomized test of db.ingest(), the sibling of model.test.ts: random sequences
// of ingests (some with puts made while their tables are built, some beside a compaction
// or a flush), puts, deletes, batches, snapshots, flushes, compactions and reopens run
// against Shale and a sorted-map model, with tiny memtables, files and levels so ingests
// land in every level and overlap everything; every read is checked against the model.
//
// Reproduce a failure with SHALE_SEED=<seed>; run more with SHALE_INGEST_MODEL_SEQUENCES=<n>.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { Shale, type IngestEntry, type Options, type Snapshot } from '../../src/index.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { Random } from '../helpers/random.js'

type Model = Map<string, string>

const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))
const sorted = (model: Model): [string, string][] => [...model.entries()].sort(([a], [b]) => cmp(a, b))

function randomKey(r: Random): string {
  const n = r.int(150)
  return r.bool(0.1) ? `k${n}` : `key-${String(n).padStart(3, '0')}`
}

const randomValue = (r: Random, tag: string): string => `${tag}-${r.int(1e6)}`.padEnd(r.bool(0.1) ? 300 : r.int(30), 'x')

/** A sorted run of distinct random keys for one ingest. */
function randomRun(r: Random, step: number): [string, string][] {
  const keys = new Set<string>()
  const n = r.pick([1, 5, 40, 150])
  for (let i = 0; i < n; i++) keys.add(randomKey(r))
  return [...keys].sort(cmp).map((k) => [k, randomValue(r, `ing${step}`)])
}

interface Coverage {
  ingests: number
  /** Ingests by the level their tables went to. */
  levels: Set<number>
  checkedReads: number
}

async function runSequence(seed: number, length: number): Promise<Coverage> {
  const r = new Random(seed)
  const fs = new MemoryFileSystem()
  const options: Options = {
    fileSystem: fs,
    memtableSize: 1024 + r.int(4096),
    blockSize: 64 + r.int(256),
    l0CompactionTrigger: 1 + r.int(4),
    l1TargetSize: 1024 * (1 + r.int(8)),
    levelMultiplier: 2 + r.int(3),
    targetFileSize: 1024 * (1 + r.int(3)),
  }
  let db = await Shale.open('/db', options)
  const model: Model = new Map()
  const snapshots: { snap: Snapshot; model: Model }[] = []
  const coverage: Coverage = { ingests: 0, levels: new Set(), checkedReads: 0 }
  const log: string[] = []
  const fail = (what: string): never => {
    throw new Error(`seed ${seed}: ${what}\nlast operations:\n${log.slice(-15).join('\n')}\nreproduce: SHALE_SEED=${seed} node --test dist/test/db/ingest-model.test.js`)
  }
  const check = async (snapIndex?: number): Promise<void> => {
    const use = snapIndex === undefined ? undefined : snapshots[snapIndex]
    const want = sorted(use?.model ?? model)
    const got: [string, string][] = []
    for await (const [k, v] of db.iterator(use ? { snapshot: use.snap } : undefined)) got.push([k.toString(), v.toString()])
    coverage.checkedReads++
    if (JSON.stringify(got) !== JSON.stringify(want)) fail(`iterate${use ? ' @snapshot' : ''}:\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`)
    for (let i = 0; i < 8; i++) await checkGet(randomKey(r), use)
  }
  // Gets search level 0 newest first by file number, unlike iterators, which merge by sequence.
  const checkGet = async (k: string, use?: { snap: Snapshot; model: Model }): Promise<void> => {
    const v = await db.get(k, use ? { snapshot: use.snap } : undefined)
    if (v?.toString() !== (use?.model ?? model).get(k)) fail(`get ${k}${use ? ' @snapshot' : ''}: got ${v?.toString()}, want ${(use?.model ?? model).get(k)}`)
  }
  try {
    for (let step = 0; step < length; step++) {
      const op = r.int(100)
      if (op < 20) {
        const entries = randomRun(r, step)
        const mode = r.pick(['plain', 'writes-during-build', 'beside-compaction', 'beside-writes'] as const)
        log.push(`ingest ${entries.length} ${entries[0]![0]}..${entries.at(-1)![0]} (${mode})`)
        const ingestKeys = new Set(entries.map(([k]) => k))
        // Puts made inside the build are older than the ingest; puts beside it, on keys it
        // does not touch, land whichever side of it they happen to.
        const during: [string, string][] = []
        for (let i = r.int(4); i >= 0; i--) during.push([randomKey(r), randomValue(r, `during${step}`)])
        const beside = during.filter(([k]) => !ingestKeys.has(k))
        async function* source(): AsyncGenerator<IngestEntry> {
          for (const [i, [key, value]] of entries.entries()) {
            if (mode === 'writes-during-build' && i === entries.length >> 1) {
              for (const [k, v] of during) {
                await db.put(k, v)
                model.set(k, v)
              }
            }
            if (i % 16 === 15) await yieldToLoop()
            yield { key, value }
          }
        }
        const ingest = db.ingest(source())
        const others: Promise<unknown>[] = []
        if (mode === 'beside-compaction') others.push(r.bool() ? db.compactRange() : db.flush())
        if (mode === 'beside-writes') for (const [k, v] of beside) others.push(db.put(k, v))
        const [result] = await Promise.all([ingest, ...others])
        for (const [k, v] of entries) model.set(k, v)
        if (mode === 'beside-writes') for (const [k, v] of beside) model.set(k, v)
        for (const [k] of entries) await checkGet(k)
        coverage.ingests++
        if (result.level !== undefined) coverage.levels.add(result.level)
      } else if (op < 40) {
        const k = randomKey(r)
        const v = randomValue(r, `put${step}`)
        log.push(`put ${k}`)
        await db.put(k, v)
        model.set(k, v)
      } else if (op < 48) {
        const k = randomKey(r)
        log.push(`del ${k}`)
        await db.delete(k)
        model.delete(k)
      } else if (op < 52) {
        const ops = Array.from({ length: 1 + r.int(6) }, () => (r.bool(0.7) ? { type: 'put' as const, key: randomKey(r), value: randomValue(r, `batch${step}`) } : { type: 'del' as const, key: randomKey(r) }))
        log.push(`batch ${ops.map((o) => `${o.type}:${o.key}`).join(',')}`)
        await db.write(ops)
        for (const o of ops) o.type === 'put' ? model.set(o.key, o.value) : model.delete(o.key)
      } else if (op < 72) {
        const at = snapshots.length > 0 && r.bool(0.3) ? r.int(snapshots.length) : undefined
        log.push(`check${at === undefined ? '' : ' @snapshot'}`)
        await check(at)
      } else if (op < 78) {
        log.push('snapshot')
        snapshots.push({ snap: db.snapshot(), model: new Map(model) })
      } else if (op < 81 && snapshots.length > 0) {
        log.push('release snapshot')
        snapshots.splice(r.int(snapshots.length), 1)[0]!.snap.release()
      } else if (op < 88) {
        log.push('flush')
        await db.flush()
      } else if (op < 94) {
        log.push('compactRange')
        await db.compactRange()
      } else {
        log.push('reopen')
        await db.close()
        snapshots.length = 0
        db = await Shale.open('/db', options)
      }
    }
    await check()
    await db.close()
    db = await Shale.open('/db', options)
    await check()
  } finally {
    await db.close()
  }
  return coverage
}

const onlySeed = process.env.SHALE_SEED === undefined ? undefined : Number(process.env.SHALE_SEED)
const sequences = Number(process.env.SHALE_INGEST_MODEL_SEQUENCES ?? 60)

test(`ingest model: ${onlySeed ?? sequences} random sequences mixing ingests with writes, snapshots, flushes, compactions and reopens agree with a sorted map`, async () => {
  const seeds = onlySeed !== undefined ? [onlySeed] : Array.from({ length: sequences }, (_, i) => 1 + i)
  let ingests = 0
  const levels = new Set<number>()
  let checkedReads = 0
  for (const seed of seeds) {
    const c = await runSequence(seed, 120)
    ingests += c.ingests
    for (const l of c.levels) levels.add(l)
    checkedReads += c.checkedReads
  }
  console.log(`ingest model: ${seeds.length} sequences, ${ingests} ingests into levels ${[...levels].sort().join(',')}, ${checkedReads} reads checked`)
  if (onlySeed === undefined) {
    assert.ok(ingests > seeds.length * 10, `only ${ingests} ingests`)
    // Ingests landed in level 0, in the last level and in between.
    assert.ok(levels.has(0) && levels.has(6) && levels.size >= 4, `ingests only went to levels ${[...levels].join(',')}`)
  }
})
