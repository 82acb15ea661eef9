// `npm start`: a short db_bench-style run on a fresh database. It fills, reads, scans,
// reopens and verifies, then prints a throughput table. Keys are 16 bytes (%016d), values
// 100 bytes that compress to about half, as in LevelDB's db_bench.
//
// Options: --num N (keys, default 1,000,000), --dir PATH (default: a fresh temp directory,
// removed afterwards), --keep (keep the database).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Shale } from '../src/index.js'
import { dbKey, dbValue, shuffled } from './workload.js'

const { values: args } = parseArgs({
  options: { num: { type: 'string', default: '1000000' }, dir: { type: 'string' }, keep: { type: 'boolean', default: false } },
})
const num = Number(args.num)
if (!Number.isInteger(num) || num <= 0) throw new Error(`--num must be a positive integer, got ${args.num}`)
const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'shale-start-'))

const value = dbValue
const key = dbKey

interface Row {
  name: string
  ops: number
  seconds: number
  bytes: number
  note: string
}
const rows: Row[] = []

async function measure(name: string, ops: number, bytesPerOp: number, fn: () => Promise<string | void>): Promise<void> {
  const start = process.hrtime.bigint()
  const note = (await fn()) ?? ''
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  rows.push({ name, ops, seconds, bytes: ops * bytesPerOp, note })
  process.stderr.write(`  ${name} done in ${seconds.toFixed(2)} s\n`)
}

const order = shuffled(num, 42)
process.stderr.write(`Shale quick benchmark: ${num.toLocaleString()} keys in ${dir}\n`)
let db = await Shale.open(dir)
try {
  await measure('fillrandom', num, 116, async () => {
    for (let i = 0; i < num; i++) await db.put(key(order[i]!), value(order[i]!))
  })
  await measure('readrandom', num, 116, async () => {
    const reads = shuffled(num, 7)
    let found = 0
    for (let i = 0; i < num; i++) if ((await db.get(key(reads[i]!))) !== undefined) found++
    if (found !== num) throw new Error(`readrandom found ${found} of ${num} keys`)
    return `${found.toLocaleString()} found`
  })
  await measure('readmissing', num, 16, async () => {
    let found = 0
    for (let i = 0; i < num; i++) if ((await db.get(`${key(i)}.`)) !== undefined) found++
    if (found !== 0) throw new Error(`readmissing found ${found} keys that were never written`)
  })
  await measure('readseq', num, 116, async () => {
    let n = 0
    for await (const _ of db.iterator()) n++
    if (n !== num) throw new Error(`readseq saw ${n} of ${num} keys`)
  })
  const syncOps = Math.min(2000, num)
  await measure('fillsync (64 writers)', syncOps, 116, async () => {
    let next = 0
    const writer = async (): Promise<void> => {
      while (next < syncOps) {
        const i = next++
        await db.put(key(i), value(i), { sync: true })
      }
    }
    await Promise.all(Array.from({ length: 64 }, writer))
    return `${db.stats().fsyncs} fsyncs`
  })
  await measure('reopen', 1, 0, async () => {
    await db.close()
    db = await Shale.open(dir)
  })
  await measure('verify after reopen', num, 116, async () => {
    for (let i = 0; i < num; i++) {
      const v = await db.get(key(i))
      if (v === undefined || !v.equals(value(i))) throw new Error(`verify: key ${key(i)} has the wrong value after reopen`)
    }
    return 'all values match'
  })
  const s = db.stats()
  const levels = s.levels.filter((l) => l.files > 0).map((l) => `L${l.level}: ${l.files} files, ${(l.bytes / 1048576).toFixed(1)} MiB`)
  console.log('')
  console.log(`| workload | ops | seconds | ops/s | MB/s | note |`)
  console.log(`|---|---:|---:|---:|---:|---|`)
  for (const r of rows) {
    const opsPerSec = r.ops / r.seconds
    console.log(`| ${r.name} | ${r.ops.toLocaleString()} | ${r.seconds.toFixed(2)} | ${Math.round(opsPerSec).toLocaleString()} | ${(r.bytes / r.seconds / 1048576).toFixed(1)} | ${r.note} |`)
  }
  console.log('')
  console.log(`Tree after the run: ${levels.join('; ')}. Node ${process.version}, ${process.platform}/${process.arch}.`)
} finally {
  await db.close()
  if (!args.keep && args.dir === undefined) rmSync(dir, { recursive: true, force: true })
}
