// Replays write-ahead logs into a memtable: on open, and, for a read-only handle, again and
// again as the writer appends. Every record is checked; a damaged tail (a write torn by a
// crash, or one the writer is still appending) is cut, but damage followed by valid records
// is refused under 'tolerate-tail', because those records may be acknowledged writes; a log
// cut part-way through a record ends the replay, later logs included.
//
// Sequence numbers are the other half of the rule. A crash can also drop a log's unsynced
// tail exactly at a record boundary, which leaves no torn bytes to see, while the next log's
// unsynced records reach the disk. The next log's first sequence then does not follow the
// last one replayed: that gap ends the replay the same way, since applying the later log
// would leave a hole in the history. (Nothing acknowledged is lost: a sync write syncs every
// older log first.) Inside one log sequences always follow on; a jump there is corruption.

import { logFileName } from '../base/file-names.js'
import type { Memtable } from '../memtable/memtable.js'
import { EMPTY_BYTES } from '../util/bytes.js'
import type { FileSystem, RandomAccessFile } from '../vfs/file-system.js'
import { corruption } from '../errors.js'
import { midLogCorruption, readLogRecords } from '../wal/log-records.js'
import { decodeBatch } from '../wal/write-batch.js'

export type WalRecovery = 'tolerate-tail' | 'point-in-time'

interface Damage {
  file: string
  offset: number
  reason: string
  /**
   * The log just ends part-way through a record (a write torn before it was synced), or its
   * records stop short of the next log's first sequence (a tail lost at a record boundary).
   */
  truncated: boolean
}

export interface ReplayResult {
  lastSequence: number
  records: number
  /** Size of the logs replayed, in bytes. */
  logBytes: number
  /** Where replay stopped early, if it did. */
  damage: Damage | undefined
  /** Logs not replayed at all (after a torn tail or a gap): not part of the history. */
  unreplayed: number[]
}

/** Applies the records of the given logs, in order, to memtable. */
export function replayLogs(fs: FileSystem, dir: string, logNumbers: number[], memtable: Memtable, startSequence: number, mode: WalRecovery): ReplayResult {
  const result: ReplayResult = { lastSequence: startSequence, records: 0, logBytes: 0, damage: undefined, unreplayed: [] }
  // The sequence the next record must carry; unknown until a record has been replayed.
  let expected: number | undefined
  for (const [i, number] of logNumbers.entries()) {
    const path = logFileName(dir, number)
    const file = fs.openRead(path)
    try {
      const log = replayLog(file, path, memtable, 0, mode, expected)
      // A log a crash left open may end in reserved zeros, which were never log bytes.
      result.logBytes += log.damage === undefined ? log.end : file.size
      // A torn tail must be the last thing written: a later log holding records makes it mid-log damage.
      if (log.firstOffset >= 0 && result.damage !== undefined) {
        throw midLogCorruption(result.damage.file, result.damage, { fileName: path, offset: log.firstOffset }, POINT_IN_TIME_REMEDY)
      }
      if (log.gap !== undefined) {
        // The previous log lost records at its end: everything from here on is dropped.
        result.damage = { file: path, offset: log.firstOffset, reason: log.gap, truncated: true }
        result.unreplayed = logNumbers.slice(i)
        return result
      }
      result.records += log.records
      result.lastSequence = Math.max(result.lastSequence, log.lastSequence)
      if (log.records > 0) expected = log.nextSequence
      result.damage ??= log.damage
      // Point-in-time recovery keeps the prefix before the first damage and nothing after.
      if (log.damage !== undefined && mode === 'point-in-time') {
        result.unreplayed = logNumbers.slice(i + 1)
        return result
      }
      // A torn tail was never synced, and a sync write is acknowledged only once every older
      // log is synced whole (group commit): no later log holds one, and replaying a later
      // log's surviving unsynced records would leave a hole in the history.
      if (log.damage?.truncated) {
        result.unreplayed = logNumbers.slice(i + 1)
        return result
      }
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
  /** The sequence after the last record applied (meaningful when records > 0). */
  nextSequence: number
  records: number
  damage: Damage | undefined
  /** Set, with nothing applied (`firstOffset` is that record's), when the first record does not carry `expectedFirst`. */
  gap: string | undefined
  /** With `live`: where a valid record follows `damage` (refused with CORRUPTION otherwise). */
  validAfter: number | undefined
}

/** Thrown from the record callback to stop at a gap before the log's first record is applied. */
class SequenceGap {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

/**
 * Applies one log's records from `fromOffset` (a record boundary) until its end or its first
 * damage. Under 'tolerate-tail', damage with a valid record anywhere after it is refused.
 * With `expectedFirst`, a first record carrying another sequence applies nothing and is
 * reported as a gap; a later record that does not follow the one before it is corruption.
 * With `live` (a log its writer may be appending to), damage with a valid record after it
 * is reported in `validAfter` instead of refused: the caller decides (see follower.ts).
 */
export function replayLog(file: RandomAccessFile, path: string, memtable: Memtable, fromOffset: number, mode: WalRecovery, expectedFirst?: number, live = false): LogReplay {
  let lastSequence = 0
  let next = expectedFirst
  let applied = 0
  let log
  try {
    log = readLogRecords(
      file,
      path,
      (record, offset) => {
        const batch = decodeBatch(record, `${path} at offset ${offset}`)
        if (next !== undefined && batch.seq !== next) {
          if (applied === 0) throw new SequenceGap(offset, `the logs before this one end at sequence ${next - 1}, but its first record holds sequence ${batch.seq}: their unsynced tail was lost`)
          throw corruption(`${path} at offset ${offset}`, `the record holds sequence ${batch.seq}, but the record before it ends at ${next - 1}`)
        }
        let seq = batch.seq
        for (const op of batch.ops) memtable.add(op.key, seq++, op.kind, op.value ?? EMPTY_BYTES)
        if (seq - 1 > lastSequence) lastSequence = seq - 1
        next = seq
        applied++
      },
      { from: fromOffset, midLog: mode === 'point-in-time' ? 'ignore' : live ? 'report' : 'refuse', remedy: POINT_IN_TIME_REMEDY },
    )
  } catch (err) {
    if (!(err instanceof SequenceGap)) throw err
    return { end: fromOffset, firstOffset: err.offset, lastSequence: 0, nextSequence: expectedFirst ?? 0, records: 0, damage: undefined, gap: err.message, validAfter: undefined }
  }
  const damage = log.damage === undefined ? undefined : { file: path, offset: log.damage.offset, reason: log.damage.reason, truncated: log.damage.truncated }
  return { end: log.end, firstOffset: log.firstOffset, lastSequence, nextSequence: next ?? 0, records: log.records, damage, gap: undefined, validAfter: log.validAfter }
}

const POINT_IN_TIME_REMEDY = "open with walRecovery: 'point-in-time' to keep only the writes before the damage"
