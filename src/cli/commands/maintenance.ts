// stats, compact, check, repair: looking at and maintaining a whole database.

import type { Command } from 'commander'
import { checkDatabase, repairDatabase } from '../../index.js'
import { printJson, printTable } from '../format.js'
import { requireDatabaseDirectory } from '../paths.js'
import { progress } from '../progress.js'
import { withDb } from '../open-db.js'

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1)

export function registerMaintenance(program: Command): void {
  program
    .command('stats')
    .description("per-level table (files, size, score, compactions over the store's life) and amplification figures")
    .argument('<db>', 'database directory')
    .option('--json', 'print the full stats object as JSON (lifetime: the store\'s life; other counters: this process)')
    .action(async (location: string, o: { json?: boolean }) => {
      const s = await withDb(location, async (db) => db.stats({ space: true }))
      if (o.json) return printJson(s)
      const life = s.lifetime
      printTable(
        ['Level', 'Files', 'Size(MiB)', 'Score', 'Compactions', 'Read(MiB)', 'Write(MiB)'],
        s.levels.map((l) => {
          const c = life.levels[l.level]!
          return [`L${l.level}`, l.files, mib(l.bytes), l.score.toFixed(2), c.compactions, mib(c.compactionBytesRead), mib(c.compactionBytesWritten)]
        }),
      )
      process.stdout.write(`compactions, reads and writes above cover the store's life: ${life.compactions} compactions, ${life.flushes} memtables flushed\n`)
      process.stdout.write(`WAL ${mib(s.walBytes)} MiB, last sequence ${s.lastSequence}, memtable ${mib(s.memtableBytes)} MiB\n`)
      const sp = s.space!
      process.stdout.write(
        `space amplification ${sp.amplification.toFixed(2)} on disk (${mib(sp.diskBytes)} MiB for ${mib(sp.logicalBytes)} MiB of live data), ${sp.uncompressedAmplification.toFixed(2)} before compression (${mib(sp.storedBytes)} MiB of keys and values kept)\n`,
      )
      const written = life.walBytesWritten + life.flushBytes + life.compactionBytesWritten
      process.stdout.write(`write amplification ${life.writeAmplification.toFixed(2)} over the store's life (${mib(written)} MiB written for ${mib(life.userBytes)} MiB of keys and values)\n`)
      // Read amplification is only measured per process, and this one has done no gets.
    })

  program
    .command('compact')
    .description('compact the range (or everything) down to the last level, reclaiming deleted space')
    .argument('<db>', 'database directory')
    .option('--start <key>', 'first key of the range (UTF-8)')
    .option('--end <key>', 'last key of the range (UTF-8)')
    .option('--json', 'print the size before and after as JSON')
    .action(async (location: string, o: { start?: string; end?: string; json?: boolean }) => {
      const result = await withDb(location, async (db) => {
        const size = () => db.stats().levels.reduce((n, l) => n + l.bytes, 0)
        const before = size()
        const started = performance.now()
        const bar = progress('compacting levels', 1)
        await db.compactRange(o.start, o.end, { onProgress: (done, total) => bar.update(done, total) })
        bar.stop()
        return { bytesBefore: before, bytesAfter: size(), seconds: (performance.now() - started) / 1000 }
      }, 'write')
      if (o.json) printJson(result)
      else process.stdout.write(`compacted in ${result.seconds.toFixed(2)} s: ${mib(result.bytesBefore)} MiB -> ${mib(result.bytesAfter)} MiB\n`)
    })

  program
    .command('check')
    .description('verify every checksum and the MANIFEST without changing anything; exits 1 on damage')
    .argument('<db>', 'database directory')
    .option('--json', 'print the report as JSON')
    .action((location: string, o: { json?: boolean }) => {
      requireDatabaseDirectory(location, 'check')
      const bar = progress('checking', 1)
      const report = checkDatabase(location, { onProgress: (done, total) => bar.update(done, total) })
      bar.stop()
      if (o.json) printJson(report)
      else {
        printTable(['File', 'Kind', 'Status', 'Items', 'Detail'], report.files.map((f) => [f.name, f.kind, f.status, f.items, f.detail ?? '']))
        const beside = report.live ? ' (checked beside the process that has it open)' : ''
        process.stdout.write(report.ok ? `OK: no damage found${beside}\n` : `DAMAGED: see the files above${beside}\n`)
      }
      if (!report.ok) process.exitCode = 1
    })

  program
    .command('repair')
    .description('rebuild a damaged database from every intact record; old files move to lost/')
    .argument('<db>', 'database directory')
    .option('--json', 'print the report as JSON')
    .action(async (location: string, o: { json?: boolean }) => {
      requireDatabaseDirectory(location, 'repair')
      const report = await repairDatabase(location)
      if (o.json) return printJson(report)
      process.stdout.write(
        `repaired: ${report.keys} keys in ${report.outputTables} tables; ${report.tablesIntact} tables intact, ${report.tablesDamaged} damaged; ` +
          `${report.logRecords} log records, ${report.logDamage} damaged regions; ${report.moved.length} old files moved to lost/\n`,
      )
      // Per damaged table, never a bare "0 lost": what could not be counted says so.
      for (const t of report.damagedTables) {
        const lost = t.lostBlocks === null ? `data blocks lost: could not be counted (${t.lostBytes} bytes unreadable)` : `${t.lostBlocks} data blocks lost (${t.lostBytes} bytes)`
        const entries = t.lostEntries === null ? 'entries lost: could not be counted' : `${t.lostEntries} entries lost`
        const why = t.unreadable === null ? '' : `; scanned for blocks, since ${t.unreadable}`
        process.stdout.write(`  ${t.name}: ${t.entries} entries in ${t.blocks} blocks recovered, ${lost}, ${entries}${why}\n`)
      }
    })
}
