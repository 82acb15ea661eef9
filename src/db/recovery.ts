// Replays write-ahead logs into a memtable on open. Every record is checked; a damaged
// tail (a write torn by a crash) is cut, but damage followed by valid records is refused
// under 'tolerate-tail', because those records may be acknowledged writes.

import { ShaleError, corruption } from '../errors.js'
import { logFileName } from '../base/file-names.js'
import type { Memtable } from '../memtable/memtable.js'
import type { FileSystem } from '../vfs/file-system.js'
import { LogReader } from '../wal/log-reader.js'
import { findValidChunkAfter } from '../wal/log-scan.js'
import { decodeBatch } from '../wal/write-batch.js'

export interface ReplayResult {
  lastSequence: number
  records: number
  /** Size of the logs replayed, in bytes. */
  logBytes: number
  /** Where replay stopped early, if it did. */
  damage: { file: string; offset: number; reason: string } | undefined
}

/** Applies the records of the given logs, in order, to memtable. */
export function replayLogs(
  fs: FileSystem,
  dir: string,
  logNumbers: number[],
  memtable: Memtable,
  startSequence: number,
  mode: 'tolerate-tail' | 'point-in-time',
): ReplayResult {
  const result: ReplayResult = { lastSequence: startSequence, records: 0, logBytes: 0, damage: undefined }
  for (const number of logNumbers) {
    const path = logFileName(dir, number)
    const file = fs.openRead(path)
    const reader = new LogReader(file, path)
    result.logBytes += file.size
    try {
      for (;;) {
        const r = reader.next()
        if (r.type === 'eof') {
          // The reader resyncs at block boundaries; valid records later in a damaged block
          // would go unseen, so scan for them before calling the damage a torn tail.
          const d = result.damage
          if (d !== undefined && d.file === path) {
            const at = findValidChunkAfter(file, d.offset)
            if (at !== undefined) throw midLogDamage(d, path, at)
          }
          break
        }
        if (r.type === 'damage') {
          result.damage ??= { file: path, offset: r.offset, reason: r.reason }
          // Point-in-time recovery keeps the prefix before the first damage and nothing after.
          if (mode === 'point-in-time') return result
          continue
        }
        if (result.damage !== undefined) throw midLogDamage(result.damage, path, r.offset)
        const batch = decodeBatch(r.record, `${path} at offset ${r.offset}`)
        let seq = batch.seq
        for (const op of batch.ops) memtable.add(op.key, seq++, op.kind, op.value ?? EMPTY)
        if (seq - 1 > result.lastSequence) result.lastSequence = seq - 1
        result.records++
      }
    } finally {
      file.close()
    }
  }
  return result
}

const EMPTY = new Uint8Array(0)

function midLogDamage(d: { file: string; offset: number; reason: string }, path: string, validAt: number): ShaleError {
  return corruption(
    d.file,
    `log record at offset ${d.offset} is damaged (${d.reason}) and a valid record follows in ${path} at offset ${validAt}; open with walRecovery: 'point-in-time' to keep only the writes before the damage`,
  )
}
