// Replays write-ahead logs into a memtable: on open, and, for a read-only handle, again and
// again as the writer appends. Every record is checked; a damaged tail (a write torn by a
// crash, or one the writer is still appending) is cut, but damage followed by valid records
// is refused under 'tolerate-tail', because those records may be acknowledged writes; a log
// cut part-way through a record ends the replay, later logs included.

import { logFileName } from '../base/file-names.js'
import type { Memtable } from '../memtable/memtable.js'
import { EMPTY_BYTES } from '../util/bytes.js'
import type { FileSystem, RandomAccessFile } from '../vfs/file-system.js'
import { midLogCorruption, readLogRecords } from '../wal/log-records.js'
import { decodeBatch } from '../wal/write-batch.js'

export type WalRecovery = 'tolerate-tail' | 'point-in-time'

interface Damage {
  file: string
  offset: number
  reason: string
  /** The log just ends part-way through a record: a write torn before it was synced. */
  truncated: boolean
}

export interface ReplayResult {
  lastSequence: number
  records: number
  /** Size of the logs replayed, in bytes. */
  logBytes: number
  /** Where replay stopped early, if it did. */
  damage: Damage | undefined
}

/** Applies the records of the given logs, in order, to memtable. */
export function replayLogs(fs: FileSystem, dir: string, logNumbers: number[], memtable: Memtable, startSequence: number, mode: WalRecovery): ReplayResult {
  const result: ReplayResult = { lastSequence: startSequence, records: 0, logBytes: 0, damage: undefined }
  for (const number of logNumbers) {
    const path = logFileName(dir, number)
    const file = fs.openRead(path)
    result.logBytes += file.size
    try {
      const log = replayLog(file, path, memtable, 0, mode)
      // A torn tail must be the last thing written: a later log holding records makes it mid-log damage.
      if (log.records > 0 && result.damage !== undefined) {
        throw midLogCorruption(result.damage.file, result.damage, { fileName: path, offset: log.firstOffset }, POINT_IN_TIME_REMEDY)
      }
      result.records += log.records
      result.lastSequence = Math.max(result.lastSequence, log.lastSequence)
      result.damage ??= log.damage
      // Point-in-time recovery keeps the prefix before the first damage and nothing after.
      if (log.damage !== undefined && mode === 'point-in-time') return result
      // A torn tail was never synced, and a sync write is acknowledged only once every older
      // log is synced whole (group commit): no later log holds one, and replaying a later
      // log's surviving unsynced records would leave a hole in the history.
      if (log.damage?.truncated) return result
    } finally {
      file.close()
    }
  }
  return result
}

export interface LogReplay {
  /** Where the record after the last one applied begins: a follower resumes here. */
  end: number
  firstOffset: number
  lastSequence: number
  records: number
  damage: Damage | undefined
}

/**
 * Applies one log's records from `fromOffset` (a record boundary) until its end or its first
 * damage. Under 'tolerate-tail', damage with a valid record anywhere after it is refused.
 */
export function replayLog(file: RandomAccessFile, path: string, memtable: Memtable, fromOffset: number, mode: WalRecovery): LogReplay {
  let lastSequence = 0
  const log = readLogRecords(
    file,
    path,
    (record, offset) => {
      const batch = decodeBatch(record, `${path} at offset ${offset}`)
      let seq = batch.seq
      for (const op of batch.ops) memtable.add(op.key, seq++, op.kind, op.value ?? EMPTY_BYTES)
      if (seq - 1 > lastSequence) lastSequence = seq - 1
    },
    { from: fromOffset, midLog: mode === 'tolerate-tail' ? 'refuse' : 'ignore', remedy: POINT_IN_TIME_REMEDY },
  )
  const damage = log.damage === undefined ? undefined : { file: path, offset: log.damage.offset, reason: log.damage.reason, truncated: log.damage.truncated }
  return { end: log.end, firstOffset: log.firstOffset, lastSequence, records: log.records, damage }
}

const POINT_IN_TIME_REMEDY = "open with walRecovery: 'point-in-time' to keep only the writes before the damage"
