// The checkpoint measurement (docs/design.md, "Checkpoints"): a random fill of N keys (16-byte
// keys, 100-byte values) in batches, flushed and compacted until settled, then more writes
// left in the memtable and log; then db.checkpoint() with tables hard-linked, again with
// links failing (as across devices, so every table is copied), and once more while a writer
// keeps writing. Each checkpoint is opened and its keys counted; the event-loop delay is
// sampled during each. Not a test: run `npm run build && node dist/bench/checkpoint.js`.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Shale, type CheckpointResult } from '../src/index.js'
import { dbValue, dbKey, shuffled } from '../src/cli/workload.js'
import { ioError } from '../src/errors.js'
import { NodeFileSystem } from '../src/vfs/node-file-system.js'
import { timed } from './measure.js'

const { values: args } = parseArgs({ options: { num: { type: 'string', default: '1000000' }, dir: { type: 'string' }, json: { type: 'boolean', default: false } } })
const num = Number(args.num)
const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'shale-checkpoint-bench-'))

/** The real file system, with links that fail as across devices (EXDEV). */
class NoLinks extends NodeFileSystem {
  override link(existing: string, path: string): void {
    const err = new Error('EXDEV: cross-device link not permitted') as NodeJS.ErrnoException
    err.code = 'EXDEV'
    throw ioError(`link ${existing} as ${path}`, err)
  }
}

const location = join(dir, 'db')
let db = await Shale.open(location)
const order = shuffled(num, 1)
const fillStart = performance.now()
for (let i = 0; i < num; i += 1000) {
  const batch = []
  for (let j = i; j < Math.min(num, i + 1000); j++) batch.push({ type: 'put' as const, key: dbKey(order[j]!), value: dbValue(order[j]!) })
  await db.write(batch)
}
await db.flush()
await db.waitForCompactions()
const fillSeconds = (performance.now() - fillStart) / 1000
const storeMiB = Math.round((db.stats().levels.reduce((n, l) => n + l.bytes, 0) / 1048576) * 10) / 10
await db.close()

/** Writes each checkpoint must carry in its logs: about half a memtable. */
async function unflushed(): Promise<void> {
  for (let i = 0; i < 30_000; i++) await db.put(dbKey(order[i]!), dbValue(order[i]! + 1))
}

const mib = (n: number): number => Math.round((n / 1048576) * 10) / 10

async function measure(name: string, whileWriting: boolean): Promise<Record<string, unknown>> {
  const target = join(dir, name)
  let stop = false
  let written = 0
  const writer = whileWriting
    ? (async () => {
        while (!stop) await db.put(dbKey(order[written % num]!), dbValue(written++))
      })()
    : undefined
  // The writer's own event-loop delay over a like stretch of time, beside the checkpoint's.
  const alone = writer !== undefined ? await timed(() => new Promise((resolve) => setTimeout(resolve, 200))) : undefined
  const before = written
  const { value: result, ms, loopP99Ms, loopMaxMs } = await timed((): Promise<CheckpointResult> => db.checkpoint(target))
  const during = written - before
  stop = true
  await writer
  const copy = await Shale.open(target, { readOnly: true })
  let keys = 0
  for await (const _ of copy.iterator()) keys++
  await copy.close()
  if (keys !== num) throw new Error(`checkpoint ${name} holds ${keys} keys, not ${num}`)
  return {
    name,
    ms: Math.round(ms * 10) / 10,
    loopP99Ms,
    loopMaxMs,
    tables: result.tables,
    linked: result.linked,
    copied: result.copied,
    logs: result.logs,
    linkedMiB: mib(result.linkedBytes),
    writtenMiB: mib(result.bytes),
    ...(alone !== undefined ? { putsDuringCheckpoint: during, writerAloneLoopP99Ms: alone.loopP99Ms, writerAloneLoopMaxMs: alone.loopMaxMs } : {}),
    keys,
  }
}

const rows = []
for (const [name, writing, options] of [
  ['linked', false, {}],
  // Links failing means every table is copied, as to another device.
  ['copied', false, { fileSystem: new NoLinks(), compactionThread: 'main' as const }],
  ['linked-while-writing', true, {}],
] as const) {
  db = await Shale.open(location, options)
  await unflushed()
  rows.push(await measure(name, writing))
  await db.close()
}
if (args.dir === undefined) rmSync(dir, { recursive: true, force: true })

if (args.json) process.stdout.write(`${JSON.stringify({ num, fillSeconds, storeMiB, peakRssMiB: mib(process.resourceUsage().maxRSS * 1024), rows }, null, 2)}\n`)
else {
  process.stdout.write(`${num.toLocaleString()} keys (16 B keys, 100 B values), ${storeMiB} MiB of tables, filled and settled in ${fillSeconds.toFixed(1)} s\n`)
  process.stdout.write(`peak RSS of the whole run ${mib(process.resourceUsage().maxRSS * 1024)} MiB\n`)
  for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`)
}
