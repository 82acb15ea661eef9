// Rebuilds a database that will not open (lost or damaged CURRENT or MANIFEST, damaged
// tables or logs) from whatever survives, like LevelDB's RepairDB. Every intact record is
// kept: intact tables whole, damaged tables block by block, logs record by record. All of
// it is merged into fresh tables in the last level with a new MANIFEST; the old files are
// moved into lost/ so nothing is destroyed.

import { defaultFileSystem } from '#platform'
import { joinPath } from '#runtime'
import { ShaleError } from '../errors.js'
import { lockFileName, logFileName, parseFileName } from '../base/file-names.js'
import type { InternalIterator } from '../base/internal-iterator.js'
import { MAX_SEQUENCE, ValueKind } from '../base/internal-key.js'
import { NUM_LEVELS } from '../base/levels.js'
import { RangeTombstoneSet } from '../base/range-tombstones.js'
import { resolveOptions, type Options } from '../base/options.js'
import { OutputSplitter } from '../compaction/output-splitter.js'
import { MergingIterator } from '../iterators/merging-iterator.js'
import { Memtable } from '../memtable/memtable.js'
import type { TableReader } from '../table/table-reader.js'
import { openUncachedTable } from '../table/uncached-table.js'
import { salvageTable } from '../table/table-salvage.js'
import { bytesEqual, copyBytes } from '../util/bytes.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { emptyEdit } from '../version/version-edit.js'
import { VersionSet } from '../version/version-set.js'
import type { FileSystem } from '../vfs/file-system.js'
import { readLogRecords } from '../wal/log-records.js'
import { decodeBatch } from '../wal/write-batch.js'

/** What repair got out of one table that did not read cleanly. */
export interface DamagedTable {
  name: string
  entries: number
  blocks: number
  /** Data blocks that could not be read; null when nothing says how many the table had. */
  lostBlocks: number | null
  /** Entries lost; null when the table's properties block is unreadable too. */
  lostEntries: number | null
  /** Bytes of data blocks that could not be read. */
  lostBytes: number
  /** Why the index or footer could not be used, if so (the table was then scanned for blocks). */
  unreadable: string | null
}

export interface RepairReport {
  tablesIntact: number
  tablesDamaged: number
  /** Entries recovered from damaged tables, and their data blocks that could not be read (as far as counted). */
  salvagedEntries: number
  lostBlocks: number
  /** Per damaged table: what was recovered, and what was lost or could not be counted. */
  damagedTables: DamagedTable[]
  logRecords: number
  /** Damaged regions skipped in logs. */
  logDamage: number
  /** Live keys written to the new tables. */
  keys: number
  outputTables: number
  /** Old files, now in lost/. */
  moved: string[]
}

/** Rebuilds the database at location. `options` are the database's, as Shale.open takes them: fileSystem, and the size and compression of the new tables. */
export async function repairDatabase(location: string, options?: Options): Promise<RepairReport> {
  const opts = resolveOptions(options)
  const fs: FileSystem = opts.fileSystem ?? defaultFileSystem()
  await fs.mount?.(location)
  if (fs.stat(location) !== 'directory') throw new ShaleError('NOT_FOUND', `Cannot repair ${location}: no such directory`)
  const lock = await fs.lock(lockFileName(location))
  try {
    return await repair(location, fs, opts)
  } finally {
    lock.release()
  }
}

async function repair(dir: string, fs: FileSystem, opts: ReturnType<typeof resolveOptions>): Promise<RepairReport> {
  const report: RepairReport = { tablesIntact: 0, tablesDamaged: 0, salvagedEntries: 0, lostBlocks: 0, damagedTables: [], logRecords: 0, logDamage: 0, keys: 0, outputTables: 0, moved: [] }
  const names = fs.list(dir)
  const files = names.map((n) => ({ name: n, parsed: parseFileName(n) }))
  let nextNumber = 1 + Math.max(0, ...files.map((f) => f.parsed?.number ?? 0))
  let lastSequence = 0
  // Entries from damaged tables and from logs; intact tables are merged as they are.
  const recovered = new Memtable(0)
  const intact: TableReader[] = []

  for (const { name, parsed } of files) {
    if (parsed?.kind !== 'table') continue
    const path = joinPath(dir, name)
    let reader: TableReader | undefined
    try {
      reader = openUncachedTable(fs, path)
      const it = reader.iterator()
      try {
        for (it.seekToFirst(); it.valid(); it.next()) if (it.seq() > lastSequence) lastSequence = it.seq()
      } finally {
        it.close()
      }
      for (const t of reader.rangeTombstones().tombstones()) if (t.seq > lastSequence) lastSequence = t.seq
      intact.push(reader)
      report.tablesIntact++
    } catch {
      // Opened, but a data block is damaged: salvage reads it (range deletions included) anew.
      reader?.close()
      report.tablesDamaged++
      const file = fs.openRead(path)
      try {
        const s = salvageTable(file, path, (key, seq, kind, value) => {
          recovered.add(key, seq, kind, value)
          if (seq > lastSequence) lastSequence = seq
        })
        report.salvagedEntries += s.entries
        report.lostBlocks += s.lostBlocks ?? 0
        report.damagedTables.push({
          name,
          entries: s.entries,
          blocks: s.blocks,
          lostBlocks: s.lostBlocks ?? null,
          lostEntries: s.lostEntries ?? null,
          lostBytes: s.lostBytes,
          unreadable: s.unreadable ?? null,
        })
      } finally {
        file.close()
      }
    }
  }

  // Logs below the MANIFEST's log number are flushed, kept only for the change feed: their
  // entries are in tables already, and replaying them could bring back a key deleted since
  // (once a compaction dropped its tombstone). Without a readable MANIFEST every log counts.
  const flushedBelow = manifestLogNumber(dir, fs)
  for (const { parsed } of files.filter((f) => f.parsed?.kind === 'log' && f.parsed.number >= flushedBelow).sort((a, b) => a.parsed!.number - b.parsed!.number)) {
    const path = logFileName(dir, parsed!.number)
    const file = fs.openRead(path)
    try {
      // Every intact record, past any damage; a record that is not a batch counts as damage too.
      const onRecord = (record: Uint8Array): void => {
        try {
          const batch = decodeBatch(record, path)
          let seq = batch.seq
          for (const op of batch.ops) recovered.add(op.key, seq++, op.kind, op.value ?? new Uint8Array(0))
          if (seq - 1 > lastSequence) lastSequence = seq - 1
          report.logRecords++
        } catch {
          report.logDamage++
        }
      }
      readLogRecords(file, path, onRecord, { afterDamage: 'resync', midLog: 'ignore', onDamage: () => report.logDamage++ })
    } finally {
      file.close()
    }
  }

  // Merge everything; keep the newest version of each key, and drop tombstones (nothing
  // lies below the last level, and no snapshot can exist during a repair). A key whose newest
  // version lies under a newer range tombstone (of an intact table, a salvaged block or a
  // log) is deleted, so the tombstones are applied here and need not be written out.
  const rangeTombstones = RangeTombstoneSet.build([...recovered.rawRangeTombstones(), ...intact.flatMap((t) => t.rangeTombstones().tombstones())])
  const sources: InternalIterator[] = [recovered.iterator(), ...intact.map((t) => t.iterator())]
  const merged = new MergingIterator(sources)
  const splitter = new OutputSplitter(fs, dir, opts, () => nextNumber++)
  let outputs: FileMetadata[] = []
  let previous: Uint8Array | undefined
  try {
    for (merged.seekToFirst(); merged.valid(); merged.next()) {
      const key = merged.key()
      if (previous !== undefined && bytesEqual(key, previous)) continue
      previous = copyBytes(key)
      if (merged.kind() === ValueKind.Deletion) continue
      if (rangeTombstones.maxCovering(key, MAX_SEQUENCE) > merged.seq()) continue
      if (splitter.full) await splitter.cut()
      splitter.add(key, merged.seq(), merged.kind(), merged.value())
      report.keys++
    }
    outputs = await splitter.finish()
  } catch (err) {
    splitter.abandon()
    throw err
  } finally {
    merged.close()
    for (const t of intact) t.close()
  }
  await fs.syncDir(dir)
  report.outputTables = outputs.length

  // The new MANIFEST names only the new tables; CURRENT switches to it atomically.
  const versions = await VersionSet.create(dir, fs, { nextFileNumber: nextNumber, lastSequence })
  try {
    const edit = emptyEdit()
    edit.logNumber = versions.newFileNumber()
    // An empty log, durable before the MANIFEST names it: open treats a missing live log as lost edits.
    fs.create(logFileName(dir, edit.logNumber)).close()
    await fs.syncDir(dir)
    for (const file of outputs) edit.newFiles.push({ level: NUM_LEVELS - 1, file })
    await versions.logAndApply(edit)
  } finally {
    versions.close()
  }

  // The old files are redundant now; keep them in lost/ rather than delete evidence.
  const lost = joinPath(dir, 'lost')
  fs.mkdir(lost)
  for (const { name, parsed } of files) {
    if (parsed === undefined || parsed.kind === 'lock' || parsed.kind === 'current') continue
    fs.rename(joinPath(dir, name), joinPath(lost, name))
    report.moved.push(name)
  }
  await fs.syncDir(dir)
  return report
}

/** The log number the MANIFEST records, or 0 when it cannot be read (then no log is known flushed). */
function manifestLogNumber(dir: string, fs: FileSystem): number {
  try {
    const versions = VersionSet.openReadOnly(dir, fs)
    try {
      return versions.logNumber
    } finally {
      versions.close()
    }
  } catch {
    return 0
  }
}
