// dump-sst, dump-wal, dump-manifest: what is inside one file, as Pebble's tool and
// RocksDB's sst_dump and ldb show it. These read files directly through the format layers.

import type { Command } from 'commander'
import { basename, join } from 'node:path'
import { compareInternalKeys, sequenceOf, userKeyOf, ValueKind } from '../../base/internal-key.js'
import { Block, BlockCursor } from '../../table/block.js'
import { ShaleError, corruption, errorMessage } from '../../errors.js'
import { BLOCK_TRAILER_SIZE, CompressionType, FOOTER_SIZE, TABLE_MAGIC_HI, TABLE_MAGIC_LO, checkBlock, decodeBlockHandle, readFooter } from '../../table/format.js'
import { openUncachedTable } from '../../table/uncached-table.js'
import { readCurrent } from '../../version/current-file.js'
import { decodeEdit } from '../../version/version-edit.js'
import { getU32 } from '../../util/coding.js'
import type { RandomAccessFile } from '../../vfs/file-system.js'
import { NodeFileSystem } from '../../vfs/node-file-system.js'
import { readLogRecords, type LogDamage } from '../../wal/log-records.js'
import { decodeBatch } from '../../wal/write-batch.js'
import { formatOption, printJson, showBytes, type ByteFormat } from '../format.js'
import { requireFile } from '../paths.js'

const fs = new NodeFileSystem()

interface DataBlockReport {
  lastKey: string
  lastSeq: number
  offset: number
  /** Stored bytes (what the handle says), without the trailer. */
  size: number
  compression: string
  /** null when the block could not be read. */
  uncompressedSize: number | null
  damage?: string
}

const kindName = (k: number): string => (k === ValueKind.Value ? 'put' : k === ValueKind.RangeDeletion ? 'delRange' : 'del')

/** A table ends with its magic number; read as a log it would be nothing but damage. */
function refuseTable(file: RandomAccessFile, path: string, command: string): void {
  if (file.size < FOOTER_SIZE) return
  const tail = file.read(file.size - 8, 8)
  if (getU32(tail, 0) === TABLE_MAGIC_LO && getU32(tail, 4) === TABLE_MAGIC_HI) {
    throw new ShaleError('INVALID_ARGUMENT', `Cannot ${command} ${path}: it is a table, not a log (use shale dump-sst)`)
  }
}

/**
 * Calls onRecord for each intact record of a log-format file; damage is printed in place, and
 * then fails the command, so a script sees it in the exit code.
 */
function eachLogRecord(path: string, command: string, json: boolean | undefined, onRecord: (record: Uint8Array, offset: number) => void): void {
  requireFile(path, command)
  const file = fs.openRead(path)
  let damaged = 0
  try {
    refuseTable(file, path, command)
    const onDamage = (d: LogDamage): void => {
      damaged++
      process.stdout.write(json ? `${JSON.stringify({ offset: d.offset, damage: d.reason })}\n` : `@${d.offset} DAMAGE: ${d.reason}\n`)
    }
    readLogRecords(file, path, onRecord, { afterDamage: 'resync', midLog: 'ignore', onDamage })
  } finally {
    file.close()
  }
  if (damaged > 0) throw corruption(path, `${damaged} damaged region${damaged === 1 ? '' : 's'}; the records shown are the intact ones`)
}

export function registerDump(program: Command): void {
  program
    .command('dump-sst')
    .description('show an SSTable: footer, properties, filter, data blocks (handles, compression, sizes), and optionally entries')
    .argument('<file>', 'a .sst file')
    .option('--entries', 'also list every entry')
    .addOption(formatOption('how keys and values are shown'))
    .option('--json', 'print as JSON')
    .action((path: string, o: { entries?: boolean; format: ByteFormat; json?: boolean }) => {
      requireFile(path, 'dump-sst')
      const file = fs.openRead(path)
      try {
        const footer = readFooter(file, path)
        const indexBytes = checkBlock(file.read(footer.index.offset, footer.index.size + BLOCK_TRAILER_SIZE), footer.index, path, true, footer.version)
        const cursor = new BlockCursor(new Block(indexBytes, path, footer.index.offset), compareInternalKeys)
        const blocks: DataBlockReport[] = []
        for (cursor.seekToFirst(); cursor.valid(); cursor.next()) {
          const h = decodeBlockHandle(cursor.value())
          // Each block is read and decompressed to report its sizes; damage is shown in place.
          let compression = 'unknown'
          let uncompressedSize: number | null = null
          let damage: string | undefined
          try {
            const raw = file.read(h.offset, h.size + BLOCK_TRAILER_SIZE)
            const type = raw[h.size]
            compression = type === CompressionType.None ? 'none' : type === CompressionType.Lz4 ? 'lz4' : `type ${type}`
            uncompressedSize = checkBlock(raw, h, path, true, footer.version).length
          } catch (err) {
            damage = errorMessage(err)
          }
          blocks.push({
            lastKey: showBytes(userKeyOf(cursor.key()), o.format),
            lastSeq: sequenceOf(cursor.key()),
            offset: h.offset,
            size: h.size,
            compression,
            uncompressedSize,
            ...(damage !== undefined ? { damage } : {}),
          })
        }
        const stored = blocks.reduce((sum, b) => sum + b.size, 0)
        const uncompressed = blocks.reduce((sum, b) => sum + (b.uncompressedSize ?? 0), 0)
        const compressed = blocks.filter((b) => b.compression === 'lz4').length
        const filter = footer.filter.size === 0 ? undefined : checkBlock(file.read(footer.filter.offset, footer.filter.size + BLOCK_TRAILER_SIZE), footer.filter, path, true, footer.version)
        const reader = openUncachedTable(fs, path)
        const entries: { key: string; seq: number; kind: string; value: string }[] = []
        try {
          if (o.entries) {
            const it = reader.iterator()
            for (it.seekToFirst(); it.valid(); it.next()) entries.push({ key: showBytes(it.key(), o.format), seq: it.seq(), kind: kindName(it.kind()), value: showBytes(it.value(), o.format) })
            it.close()
          }
          const report = {
            file: basename(path),
            size: file.size,
            formatVersion: footer.version,
            properties: reader.properties(),
            filter: filter === undefined ? null : { bytes: filter.length, probes: filter[filter.length - 1] },
            dataBlocks: blocks,
            // [start, end) at seq: the range-deletion block (version 3), fragmented as reads see it.
            rangeDeletions: reader.rangeTombstones().tombstones().map((t) => ({ start: showBytes(t.start, o.format), end: showBytes(t.end, o.format), seq: t.seq })),
            ...(o.entries ? { entries } : {}),
          }
          if (o.json) printJson(report)
          else {
            process.stdout.write(`${report.file}: ${report.size} bytes, table format ${report.formatVersion}\n`)
            process.stdout.write(`properties: ${JSON.stringify(report.properties)}\n`)
            process.stdout.write(`filter: ${filter === undefined ? 'none' : `${filter.length} bytes, ${filter[filter.length - 1]} probes`}\n`)
            process.stdout.write(`index: ${blocks.length} data blocks (${compressed} lz4), ${stored} bytes stored, ${uncompressed} uncompressed\n`)
            for (const b of blocks) {
              const sizes = b.compression === 'none' ? `${b.size} bytes, none` : `${b.size} bytes, ${b.compression}, ${b.uncompressedSize ?? '?'} uncompressed`
              process.stdout.write(`  block @${b.offset} (${sizes}) last key ${b.lastKey} @${b.lastSeq}${b.damage !== undefined ? ` DAMAGE: ${b.damage}` : ''}\n`)
            }
            for (const t of report.rangeDeletions) process.stdout.write(`  range deletion [${t.start}, ${t.end}) @${t.seq}\n`)
            for (const e of entries) process.stdout.write(`${e.key} @${e.seq} ${e.kind} ${e.kind === 'put' ? e.value : ''}\n`)
          }
          // Damage is shown in place, then fails the command so the exit code says so too.
          const damaged = blocks.filter((b) => b.damage !== undefined).length
          if (damaged > 0) throw corruption(path, `${damaged} of ${blocks.length} data blocks are damaged`)
        } finally {
          reader.close()
        }
      } finally {
        file.close()
      }
    })

  program
    .command('dump-wal')
    .description('show the records of a write-ahead log: sequence, operations, and any damage')
    .argument('<file>', 'a .log file')
    .addOption(formatOption('how keys and values are shown'))
    .option('--json', 'print newline-delimited JSON, one record per line')
    .action((path: string, o: { format: ByteFormat; json?: boolean }) => {
      eachLogRecord(path, 'dump-wal', o.json, (record, offset) => {
        const batch = decodeBatch(record, `${path} at offset ${offset}`)
        const ops = batch.ops.map((op) => ({ kind: kindName(op.kind), key: showBytes(op.key, o.format), ...(op.value ? { value: showBytes(op.value, o.format) } : {}) }))
        if (o.json) process.stdout.write(`${JSON.stringify({ offset, seq: batch.seq, ops })}\n`)
        else process.stdout.write(`@${offset} seq ${batch.seq}: ${ops.map((op) => `${op.kind} ${op.key}${op.value !== undefined ? `=${op.value}` : ''}`).join(', ')}\n`)
      })
    })

  program
    .command('dump-manifest')
    .description('show the version edits of a MANIFEST (the one CURRENT names, given a database directory)')
    .argument('<path>', 'a database directory or a MANIFEST file')
    .option('--json', 'print newline-delimited JSON, one edit per line')
    .action((target: string, o: { json?: boolean }) => {
      const path = fs.stat(target) === 'directory' ? join(target, readCurrent(fs, target)) : target
      eachLogRecord(path, 'dump-manifest', o.json, (record, offset) => {
        const e = decodeEdit(record, `${path} at offset ${offset}`)
        const edit = {
          offset,
          ...(e.comparator !== undefined ? { comparator: e.comparator } : {}),
          ...(e.logNumber !== undefined ? { logNumber: e.logNumber } : {}),
          ...(e.nextFileNumber !== undefined ? { nextFileNumber: e.nextFileNumber } : {}),
          ...(e.lastSequence !== undefined ? { lastSequence: e.lastSequence } : {}),
          deleted: e.deletedFiles.map((d) => `L${d.level}:${d.number}`),
          added: e.newFiles.map(({ level, file: f }) => ({
            level,
            number: f.number,
            size: f.size,
            smallest: showBytes(f.smallestKey, 'utf8'),
            largest: showBytes(f.largestKey, 'utf8'),
            ...(f.rangeDeletions !== undefined ? { rangeDeletions: f.rangeDeletions } : {}),
          })),
        }
        if (o.json) return void process.stdout.write(`${JSON.stringify(edit)}\n`)
        const head = Object.entries(edit).filter(([k]) => !['offset', 'deleted', 'added'].includes(k)).map(([k, v]) => `${k}=${String(v)}`)
        process.stdout.write(`@${edit.offset} ${head.join(' ')}\n`)
        for (const d of edit.deleted) process.stdout.write(`  - ${d}\n`)
        for (const a of edit.added) {
          const tombstones = a.rangeDeletions !== undefined ? `, ${a.rangeDeletions} range deletion${a.rangeDeletions === 1 ? '' : 's'}` : ''
          process.stdout.write(`  + L${a.level}:${a.number} ${a.size} bytes [${a.smallest} .. ${a.largest}]${tombstones}\n`)
        }
      })
    })
}
