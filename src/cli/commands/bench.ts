// bench: a short db_bench-style run on a fresh database (the same job as `npm start`):
// fill, read, scan, sync writes, reopen and verify, printing a throughput table.

import type { Command } from 'commander'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Shale, ShaleError } from '../../index.js'
import { printJson } from '../format.js'
import { progress } from '../progress.js'
import { dbKey, dbValue, shuffled, KEY_SIZE, VALUE_SIZE } from '../workload.js'

export interface BenchRow {
  workload: string
  ops: number
  seconds: number
  opsPerSec: number
  mbPerSec: number
  note: string
}

export interface BenchOptions {
  num: number
  dir?: string
  keep?: boolean
}

/** Runs the workloads and returns one row each; progress goes to stderr on a terminal. */
export async function runQuickBench({ num, dir, keep }: BenchOptions): Promise<{ rows: BenchRow[]; tree: string }> {
  const location = dir ?? mkdtempSync(join(tmpdir(), 'shale-bench-'))
  const rows: BenchRow[] = []
  const entryBytes = KEY_SIZE + VALUE_SIZE
  const measure = async (workload: string, ops: number, bytesPerOp: number, fn: (tick: (i: number) => void) => Promise<string | void>): Promise<void> => {
    const bar = progress(workload.padEnd(22), ops)
    const start = process.hrtime.bigint()
    const note = (await fn((i) => i % 10_000 === 0 && bar.update(i))) ?? ''
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    bar.stop()
    rows.push({ workload, ops, seconds, opsPerSec: Math.round(ops / seconds), mbPerSec: Math.round((ops * bytesPerOp) / seconds / 104857.6) / 10, note })
  }
  const order = shuffled(num, 42)
  let db = await Shale.open(location)
  try {
    await measure('fillrandom', num, entryBytes, async (tick) => {
      for (let i = 0; i < num; i++) {
        await db.put(dbKey(order[i]!), dbValue(order[i]!))
        tick(i)
      }
    })
    await measure('readrandom', num, entryBytes, async (tick) => {
      const reads = shuffled(num, 7)
      let found = 0
      for (let i = 0; i < num; i++) {
        if ((await db.get(dbKey(reads[i]!))) !== undefined) found++
        tick(i)
      }
      if (found !== num) throw new Error(`readrandom found ${found} of ${num} keys`)
      return `${found.toLocaleString()} found`
    })
    await measure('readmissing', num, KEY_SIZE, async (tick) => {
      for (let i = 0; i < num; i++) {
        if ((await db.get(`${dbKey(i)}.`)) !== undefined) throw new Error('readmissing found a key that was never written')
        tick(i)
      }
    })
    await measure('readseq', num, entryBytes, async (tick) => {
      let n = 0
      for (const _ of db.iterator()) tick(n++)
      if (n !== num) throw new Error(`readseq saw ${n} of ${num} keys`)
    })
    const syncOps = Math.min(2000, num)
    await measure('fillsync (64 writers)', syncOps, entryBytes, async () => {
      const before = db.stats().fsyncs
      let next = 0
      const writer = async (): Promise<void> => {
        while (next < syncOps) {
          const i = next++
          await db.put(dbKey(i), dbValue(i), { sync: true })
        }
      }
      await Promise.all(Array.from({ length: 64 }, writer))
      return `${db.stats().fsyncs - before} fsyncs`
    })
    await measure('reopen', 1, 0, async () => {
      await db.close()
      db = await Shale.open(location)
    })
    await measure('verify after reopen', num, entryBytes, async (tick) => {
      for (let i = 0; i < num; i++) {
        const v = await db.get(dbKey(i))
        if (v === undefined || !v.equals(dbValue(i))) throw new Error(`verify: key ${dbKey(i)} has the wrong value after reopen`)
        tick(i)
      }
      return 'all values match'
    })
    const tree = db
      .stats()
      .levels.filter((l) => l.files > 0)
      .map((l) => `L${l.level}: ${l.files} files, ${(l.bytes / 1048576).toFixed(1)} MiB`)
      .join('; ')
    return { rows, tree }
  } finally {
    await db.close()
    if (!keep && dir === undefined) rmSync(location, { recursive: true, force: true })
  }
}

export function printBenchTable(rows: BenchRow[]): void {
  process.stdout.write('| workload | ops | seconds | ops/s | MB/s | note |\n|---|---:|---:|---:|---:|---|\n')
  for (const r of rows) {
    process.stdout.write(`| ${r.workload} | ${r.ops.toLocaleString()} | ${r.seconds.toFixed(2)} | ${r.opsPerSec.toLocaleString()} | ${r.mbPerSec.toFixed(1)} | ${r.note} |\n`)
  }
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run a short db_bench-style benchmark on a fresh database and print a throughput table')
    .option('-n, --num <n>', 'number of keys', (v) => Number(v), 1_000_000)
    .option('--dir <path>', 'database directory (default: a temp directory, removed afterwards)')
    .option('--json', 'print the rows as JSON')
    .action(async (o: { num: number; dir?: string; json?: boolean }) => {
      if (!Number.isInteger(o.num) || o.num <= 0) throw new ShaleError('INVALID_ARGUMENT', `--num must be a positive integer, got ${o.num}`)
      const { rows, tree } = await runQuickBench(o)
      if (o.json) return printJson({ rows, tree, node: process.version })
      printBenchTable(rows)
      process.stdout.write(`\nTree after the run: ${tree}. Node ${process.version}, ${process.platform}/${process.arch}.\n`)
    })
}
