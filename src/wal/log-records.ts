// The one rule for damage in a log-format file (a write-ahead log or the MANIFEST), and the
// one loop that applies it; docs/format.md#reading-and-damage states the rule. Damage that
// nothing valid follows is a torn tail: a write cut short by a crash, or one still being
// appended, so it was never acknowledged and is tolerated. Damage with a valid record start
// anywhere after it is mid-log corruption: what follows may be acknowledged writes, so it
// is a CORRUPTION error naming the file and offset.
//
// The engine's replays stop at the first damage. The tools (check, repair, dump) want every
// intact record and every damaged region, so they ask the reader to resynchronise instead;
// check also asks for the verdict in the result rather than as an error.

import { corruption, type ShaleError } from '../errors.js'
import type { RandomAccessFile } from '../vfs/file-system.js'
import { LogReader } from './log-reader.js'
import { findValidChunkAfter } from './log-scan.js'

/** A damaged region, as LogReader reports it (see LogReadResult). */
export interface LogDamage {
  offset: number
  reason: string
  /** Only bytes missing at the end (or turned to zeros): what a torn write leaves. */
  truncated: boolean
}

export interface LogRecordsOptions {
  /** Where to start: 0, or a record boundary (an earlier result's `end`). */
  from?: number
  /**
   * After damage: 'stop' (the engine's replay: nothing after the first damage is applied), or
   * 'resync' (the tools: go on to every intact record after it, reporting each damage).
   */
  afterDamage?: 'stop' | 'resync'
  /**
   * When a valid record start follows the first damage: 'refuse' throws CORRUPTION (the
   * engine's rule); 'report' puts it in the result's `validAfter`; 'ignore' does not search
   * (walRecovery 'point-in-time' keeps the prefix whatever follows; dump and repair only
   * show or salvage).
   */
  midLog?: 'refuse' | 'report' | 'ignore'
  /** What the user can do about mid-log corruption, added to the error's message. */
  remedy?: string
  /** Called for each damaged region met, in file order between the records around it. */
  onDamage?: (damage: LogDamage) => void
}

export interface LogRecordsEnd {
  records: number
  /** Where the first record read begins; -1 when there was none. */
  firstOffset: number
  /** Where the record after the last one read begins: a reader following a growing log resumes here. */
  end: number
  /** The first damage, where the engine's replay stops; undefined when the file ended cleanly. */
  damage: LogDamage | undefined
  /**
   * With midLog 'report': where a valid record start follows `damage`, making it mid-log
   * corruption. Undefined with `damage` set: a torn tail (or, with 'ignore', not searched).
   */
  validAfter: number | undefined
}

/**
 * Calls onRecord for each record of a log-format file, in order, and applies the damage rule
 * above. An error thrown by onRecord (a record that does not decode) ends the read.
 */
export function readLogRecords(
  file: RandomAccessFile,
  fileName: string,
  onRecord: (record: Uint8Array, offset: number) => void,
  options: LogRecordsOptions = {},
): LogRecordsEnd {
  const { from = 0, afterDamage = 'stop', midLog = 'refuse', remedy, onDamage } = options
  const result: LogRecordsEnd = { records: 0, firstOffset: -1, end: from, damage: undefined, validAfter: undefined }
  const reader = new LogReader(file, fileName, from)
  for (let r = reader.next(); r.type !== 'eof'; r = reader.next()) {
    if (r.type === 'damage') {
      const damage: LogDamage = { offset: r.offset, reason: r.reason, truncated: r.truncated }
      onDamage?.(damage)
      if (result.damage === undefined) {
        result.damage = damage
        // The reader resyncs at block boundaries, so valid records later in a damaged block
        // would go unseen: search byte by byte before calling the damage a torn tail.
        const at = midLog === 'ignore' ? undefined : findValidChunkAfter(file, damage.offset)
        if (at !== undefined && midLog === 'refuse') throw midLogCorruption(fileName, damage, { fileName, offset: at }, remedy)
        result.validAfter = at
      }
      if (afterDamage === 'stop') break
      continue
    }
    onRecord(r.record, r.offset)
    if (result.firstOffset < 0) result.firstOffset = r.offset
    result.records++
    result.end = reader.position
  }
  return result
}

/**
 * The CORRUPTION error for damage at `damage.offset` in `fileName` with a valid record after
 * it, at `valid` (in the same file, or, for a torn log followed by a later log, in that one).
 */
export function midLogCorruption(fileName: string, damage: { offset: number; reason: string }, valid: { fileName: string; offset: number }, remedy?: string): ShaleError {
  const where = valid.fileName === fileName ? '' : ` in ${valid.fileName}`
  return corruption(
    `${fileName} at offset ${damage.offset}`,
    `${damage.reason}, and a valid record follows${where} at offset ${valid.offset}, so this is not a torn tail${remedy === undefined ? '' : `; ${remedy}`}`,
  )
}
