// The design notebook's "everything in WAL" store, the alternative its SSTables were argued
// against: it only ever writes logs. A put appends a write batch to the current log (Shale's
// own log and batch formats) and goes into an in-memory map of that log; once the map holds
// Shale's default memtable size, a new log starts, the old one stays on disk as it is and its
// map is dropped. A get checks the map, then reads the older logs newest first, each from
// start to end (a log has no order and no index), until one holds the key. Nothing is ever
// merged or compacted. A reopen starts a new log with an empty map, so every earlier write
// is found by reading logs. Benchmark only: it shows what the SSTable design buys.

import { join } from 'node:path'
import { ValueKind } from '../../src/base/internal-key.js'
import { DEFAULT_OPTIONS } from '../../src/base/options.js'
import { ByteWriter } from '../../src/util/coding.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'
import { LogReader } from '../../src/wal/log-reader.js'
import { LogWriter } from '../../src/wal/log-writer.js'
import { type BatchOp, decodeBatch, writeBatch } from '../../src/wal/write-batch.js'
import type { OpenEngine } from './engine.js'

const fs = new NodeFileSystem()
const logName = (n: number): string => `${String(n).padStart(6, '0')}.log`

/** The value the log at `path` holds last for `key`: later records overwrite earlier ones. */
function readLog(path: string, key: Buffer): Uint8Array | undefined {
  const file = fs.openRead(path)
  try {
    const reader = new LogReader(file, path)
    let found: Uint8Array | undefined
    for (let r = reader.next(); r.type === 'record'; r = reader.next()) {
      for (const op of decodeBatch(r.record, path).ops) if (key.equals(op.key)) found = op.value?.slice()
    }
    return found
  } finally {
    file.close()
  }
}

export const openWalOnly: OpenEngine = async (dir) => {
  fs.mkdir(dir)
  /** The immutable logs, oldest first. */
  const older = fs.list(dir).filter((f) => f.endsWith('.log')).sort().map((f) => join(dir, f))
  let number = older.length === 0 ? 1 : Number.parseInt(older.at(-1)!.slice(-10, -4), 10) + 1
  let writer = new LogWriter(fs.create(join(dir, logName(number))))
  let current = new Map<string, Uint8Array>()
  let currentBytes = 0
  let sequence = 0
  const encoded = new ByteWriter()

  /** Logs no longer written to; closed at close(), so a sync still in flight on one finishes. */
  const retired: LogWriter[] = []

  const append = async (entries: ReadonlyArray<readonly [string, Uint8Array]>, sync: boolean): Promise<void> => {
    const ops: BatchOp[] = entries.map(([key, value]) => ({ kind: ValueKind.Value, key: Buffer.from(key), value }))
    encoded.reset()
    writeBatch(encoded, sequence, ops)
    sequence += ops.length
    writer.addRecord(encoded.view())
    // Handed to the OS on every write, as Shale's log is.
    writer.flush()
    const synced = sync ? writer.sync() : undefined
    for (const [key, value] of entries) {
      current.set(key, value.slice())
      currentBytes += key.length + value.length
    }
    if (currentBytes >= DEFAULT_OPTIONS.memtableSize) {
      retired.push(writer)
      older.push(join(dir, logName(number)))
      writer = new LogWriter(fs.create(join(dir, logName(++number))))
      current = new Map()
      currentBytes = 0
    }
    await synced
  }

  return {
    put: (key, value, sync) => append([[key, value]], sync),
    batch: (entries) => append(entries, false),
    async get(key) {
      const hit = current.get(key)
      if (hit !== undefined) return hit
      const bytes = Buffer.from(key)
      for (let i = older.length - 1; i >= 0; i--) {
        const value = readLog(older[i]!, bytes)
        if (value !== undefined) return value
      }
      return undefined
    },
    scan: () => Promise.reject(new Error('wal-only keeps no key order to scan')),
    seek: () => Promise.reject(new Error('wal-only keeps no key order to seek in')),
    close: async () => {
      for (const w of [...retired, writer]) w.close()
    },
  }
}
