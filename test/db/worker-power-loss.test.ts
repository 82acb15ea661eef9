// Power loss while compactions run in the worker thread. A random workload (tiny memtable
// and levels, so flushes and worker compactions keep coming, some writes with sync: true)
// runs on a PowerCutFileSystem, whose journal records every change both threads make and
// when each write was issued and acknowledged. Afterwards the journal is cut before every
// durability event (a completed sync or syncDir) of the run, which covers every durable
// state the disk passed through, many of them inside a worker compaction: while it writes
// its outputs, after they are synced, with its edit appended to the MANIFEST but not synced.
// Each image, half of them with torn unsynced tails, must open; it must be exactly the write
// history up to a point at or after the last acknowledged synced write; and once closed it
// must check clean: every table the MANIFEST lists there and whole, and the orphan tables of
// an interrupted flush or compaction gone. The seed fixes the workload; how the two threads
// interleave varies from run to run, so a failing run keeps its journal, from which every
// cut can be rebuilt exactly.

import assert from 'node:assert/strict'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Shale, checkDatabase } from '../../src/index.js'
import { contents, matchedPrefix, type Op } from '../helpers/batch-history.js'
import { NoSyncFileSystem } from '../helpers/no-sync-file-system.js'
import { PowerCutFileSystem, journalPath } from '../helpers/power-cut-file-system.js'
import { DurableState, readJournal, type JournalRecord } from '../helpers/power-cut-journal.js'
import { Random } from '../helpers/random.js'
import { tempDir } from '../helpers/temp-dir.js'

const OPTIONS = { memtableSize: 2048, blockSize: 128, l1TargetSize: 4096, targetFileSize: 2048, levelMultiplier: 2, l0CompactionTrigger: 2 }
/**
 * Reopening an image compacts nothing, so the tables it keeps are exactly those it found
 * listed; and it skips fsyncs, which would dominate the test's time and are not under test.
 */
const REOPEN_OPTIONS = { ...OPTIONS, l0CompactionTrigger: 1000, l0SlowdownTrigger: 1000, l0StopTrigger: 1000, l1TargetSize: 2 ** 40, fileSystem: new NoSyncFileSystem() }
const STEPS = Number(process.env.SHALE_WORKER_POWER_LOSS_STEPS ?? 300)

/** Runs the workload with compactions in the worker; returns the history it issued. */
async function runWorkload(seed: number, root: string): Promise<Op[][]> {
  const r = new Random(seed)
  const fs = new PowerCutFileSystem(root)
  const db = await Shale.open(join(root, 'db'), { ...OPTIONS, fileSystem: fs, compactionThread: 'worker' })
  const history: Op[][] = []
  for (let step = 0; step < STEPS; step++) {
    const ops: Op[] = []
    for (let i = r.int(3); i >= 0; i--) ops.push({ key: `k${r.int(60)}`, value: r.bool(0.8) ? `v${step}-${i}-${'x'.repeat(r.int(40))}` : undefined })
    const sync = r.bool(0.3)
    history.push(ops)
    fs.note('issued', history.length)
    await db.write(ops.map((o) => (o.value === undefined ? { type: 'del' as const, key: o.key } : { type: 'put' as const, key: o.key, value: o.value })), { sync })
    if (sync) fs.note('synced', history.length)
    if (r.bool(0.03)) await db.flush()
  }
  await db.waitForCompactions()
  assert.equal(db.stats().compactionWarning, undefined, 'the compaction worker started')
  await db.close()
  fs.closeJournal()
  return history
}

/**
 * One compaction in the worker, as journal positions: its first record, the completion of
 * its outputs' directory sync, and the MANIFEST sync after that (its edit made durable; a
 * flush's may come first, which only shortens the window). A cut after N records is inside
 * when first < N <= installed.
 */
interface WorkerCompaction {
  first: number
  outputsDurable: number
  installed: number
}

function workerCompactions(records: JournalRecord[]): WorkerCompaction[] {
  const found: WorkerCompaction[] = []
  let open: { first: number; outputsDurable?: number } | undefined
  records.forEach(({ header: h }, i) => {
    if (h.thread === 'worker') {
      open ??= { first: i }
      if (h.op === 'syncDirEnd') open.outputsDurable = i
    } else if (h.op === 'sync' && /MANIFEST-/.test(h.path) && open?.outputsDurable !== undefined) {
      found.push({ first: open.first, outputsDurable: open.outputsDurable, installed: i })
      open = undefined
    }
  })
  return found
}

interface Tally {
  workerCompactions: number
  cuts: number
  torn: number
  /** Cuts inside a worker compaction: before its outputs were durable, and after. */
  whileWorkerWrites: number
  beforeInstall: number
  /** Images holding tables no MANIFEST lists (left by an interrupted flush or compaction). */
  withOrphans: number
}

/** Rebuilds, reopens and checks the image of every cut of one run's journal. */
async function checkCuts(seed: number, root: string, images: string, history: Op[][]): Promise<Tally> {
  const records = readJournal(journalPath(root))
  const compactions = workerCompactions(records)
  assert.ok(compactions.length >= 3, `seed ${seed}: only ${compactions.length} compactions ran in the worker`)
  const cuts = records.flatMap(({ header: h }, i) => (h.op === 'sync' || h.op === 'syncDirEnd' ? [i] : []))
  cuts.push(records.length)
  const r = new Random(seed)
  const state = new DurableState()
  const tally: Tally = { workerCompactions: compactions.length, cuts: 0, torn: 0, whileWorkerWrites: 0, beforeInstall: 0, withOrphans: 0 }
  let applied = 0
  let issued = 0
  let lastSynced = 0
  for (const cut of cuts) {
    for (; applied < cut; applied++) {
      const record = records[applied]!
      state.apply(record)
      if (record.header.op === 'note' && record.header.label === 'issued') issued = record.header.n
      if (record.header.op === 'note' && record.header.label === 'synced') lastSynced = record.header.n
    }
    const inside = compactions.find((c) => c.first < cut && cut <= c.installed)
    if (inside !== undefined && cut <= inside.outputsDurable) tally.whileWorkerWrites++
    else if (inside !== undefined) tally.beforeInstall++
    const tear = r.bool() ? (n: number) => r.int(n + 1) : undefined
    const where = `seed ${seed}, cut after journal record ${cut} of ${records.length}${tear ? ' (torn)' : ''}${inside ? ', inside a worker compaction' : ''}`
    const image = join(images, `cut-${cut}`)
    state.materialize(image, tear)
    const location = join(image, 'db')
    const tablesBefore = existsSync(location) ? readdirSync(location).filter((name) => name.endsWith('.sst')) : []
    // No compaction after the reopen: a table gone by the close is one the open found unlisted.
    const db = await Shale.open(location, REOPEN_OPTIONS)
    const matched = matchedPrefix(history.slice(0, issued), await contents(db), lastSynced)
    await db.close()
    assert.ok(matched !== undefined, `${where}: the store is not the history up to any point at or after the last synced write ${lastSynced}`)
    // Every table the MANIFEST lists is there and reads back whole; none it does not list is left.
    const after = checkDatabase(location)
    assert.ok(after.ok, `${where}: after reopening, check finds damage: ${JSON.stringify(after.files.filter((f) => f.status !== 'ok'))}`)
    assert.deepEqual(after.files.filter((f) => f.status === 'orphan'), [], `${where}: orphan tables survive a reopen`)
    if (tablesBefore.some((name) => !after.files.some((f) => f.name === name))) tally.withOrphans++
    rmSync(image, { recursive: true, force: true })
    tally.cuts++
    if (tear) tally.torn++
  }
  return tally
}

test('power cut at every durability event of a run with worker compactions: every image opens to a prefix of history with every synced write, and no listed table is lost', async () => {
  const seeds = process.env.SHALE_SEED !== undefined ? [Number(process.env.SHALE_SEED)] : Array.from({ length: Number(process.env.SHALE_WORKER_POWER_LOSS_SEEDS ?? 1) }, (_, i) => i + 1)
  const total: Tally = { workerCompactions: 0, cuts: 0, torn: 0, whileWorkerWrites: 0, beforeInstall: 0, withOrphans: 0 }
  for (const seed of seeds) {
    const dir = tempDir('shale-power-cut-')
    // Each image is written, opened and deleted once: in memory when the system has a RAM
    // disk, since on a busy disk creating and unlinking their files takes most of the time.
    const images = tempDir('shale-power-cut-images-', existsSync('/dev/shm') ? '/dev/shm' : undefined)
    let passed = false
    try {
      const started = performance.now()
      const history = await runWorkload(seed, dir.path)
      const ran = performance.now()
      const tally = await checkCuts(seed, dir.path, images.path, history)
      console.log(`worker power-loss test: seed ${seed}: workload ${Math.round(ran - started)} ms, ${tally.cuts} cuts checked in ${Math.round(performance.now() - ran)} ms`)
      for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += tally[k]
      passed = true
    } finally {
      // A failing run keeps its journal: the cut can be rebuilt and studied from it.
      images.remove()
      if (passed) dir.remove()
      else console.log(`worker power-loss test: seed ${seed} failed; journal kept at ${journalPath(dir.path)}`)
    }
  }
  console.log(
    `worker power-loss test: ${seeds.length} runs, ${total.workerCompactions} worker compactions, ${total.cuts} cuts (${total.torn} torn), ${total.whileWorkerWrites} while a worker compaction wrote its outputs, ` +
      `${total.beforeInstall} after its outputs were durable and before its edit was, ${total.withOrphans} images with orphan tables; all recovered`,
  )
  assert.ok(total.whileWorkerWrites >= 10 * seeds.length, 'cuts fell while worker compactions wrote')
  assert.ok(total.beforeInstall >= 3 * seeds.length, 'cuts fell between worker compactions and their installs')
})
