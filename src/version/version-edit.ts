// A change to the set of live files, as one MANIFEST record (docs/format.md#manifest).
// Each field is a varint tag followed by its value. Tags are written to disk: never
// renumber or reuse one. Tags >= SAFE_IGNORE_TAG carry optional data that an older
// reader may skip; any other unknown tag is an error, since skipping it could lose files.

import { corruption } from '../errors.js'
import { copyBytes } from '../util/bytes.js'
import { ByteWriter, getLengthPrefixed, getVarint } from '../util/coding.js'
import { encodeInternalKey, sequenceOf, userKeyOf } from '../base/internal-key.js'
import { ValueKind } from '../base/internal-key.js'
import { NUM_LEVELS } from '../base/levels.js'
import type { FileMetadata } from './file-metadata.js'
import { decodeLifetime, encodeLifetime, type LifetimeCounters } from './lifetime-counters.js'

export const Tag = {
  Comparator: 1,
  LogNumber: 2,
  NextFileNumber: 3,
  LastSequence: 4,
  // 5 is reserved: LevelDB's compaction-pointer tag. Shale never writes it and will not reuse it.
  DeletedFile: 6,
  NewFile: 7,
  /** Optional (>= SAFE_IGNORE_TAG), so a Shale that predates it skips it. */
  LifetimeCounters: 8192,
  /** Optional (>= SAFE_IGNORE_TAG), empty value: the writer keeps the file-number rules of docs/format.md#manifest. */
  ReservesFileNumbers: (1 << 13) + 1,
  /** Optional (>= SAFE_IGNORE_TAG): a level's compaction pointer, `varint` level then the user key. */
  CompactPointer: (1 << 13) + 2,
  /**
   * Optional (>= SAFE_IGNORE_TAG): `varint` file number then `varint` count, the range
   * tombstones of a table the same record adds. Written with every new-file field of such a
   * table; a Shale that predates it cannot open those (version 3) tables anyway.
   */
  RangeDeletions: (1 << 13) + 3,
} as const
export const SAFE_IGNORE_TAG = 1 << 13

/** Names the key order; a manifest with another name was written for different keys. */
export const COMPARATOR_NAME = 'shale.BytewiseComparator'

export interface VersionEdit {
  comparator?: string
  logNumber?: number
  nextFileNumber?: number
  lastSequence?: number
  /** The store's running totals as of this edit; absent in MANIFESTs written before them. */
  lifetime?: LifetimeCounters
  /** Set in the first record of every MANIFEST written since file numbers are reserved. */
  reservesFileNumbers?: boolean
  /**
   * Per level, the largest user key of the last compaction there, where the next one starts.
   * Optional: losing one only makes the next pick start elsewhere.
   */
  compactPointers?: { level: number; key: Uint8Array }[]
  deletedFiles: { level: number; number: number }[]
  newFiles: { level: number; file: FileMetadata }[]
}

export function emptyEdit(): VersionEdit {
  return { deletedFiles: [], newFiles: [] }
}

export function encodeEdit(edit: VersionEdit): Uint8Array {
  const w = new ByteWriter(64)
  if (edit.comparator !== undefined) w.varint(Tag.Comparator).lengthPrefixed(new TextEncoder().encode(edit.comparator))
  if (edit.logNumber !== undefined) w.varint(Tag.LogNumber).varint(edit.logNumber)
  if (edit.nextFileNumber !== undefined) w.varint(Tag.NextFileNumber).varint(edit.nextFileNumber)
  if (edit.lastSequence !== undefined) w.varint(Tag.LastSequence).varint(edit.lastSequence)
  if (edit.lifetime !== undefined) w.varint(Tag.LifetimeCounters).lengthPrefixed(encodeLifetime(edit.lifetime))
  if (edit.reservesFileNumbers === true) w.varint(Tag.ReservesFileNumbers).varint(0)
  for (const { level, key } of edit.compactPointers ?? []) w.varint(Tag.CompactPointer).lengthPrefixed(new ByteWriter(key.length + 2).varint(level).bytes(key).finish())
  for (const d of edit.deletedFiles) w.varint(Tag.DeletedFile).varint(d.level).varint(d.number)
  for (const { level, file } of edit.newFiles) {
    w.varint(Tag.NewFile).varint(level).varint(file.number).varint(file.size)
    // Bounds are stored as internal keys: the user key and sequence of the table's first
    // and last entry, with the kind byte always Value whatever the entry's kind (FileMetadata
    // does not keep it). Only the user keys are ever compared, and the internal-key order
    // ignores the kind, so the bounds are exact; docs/format.md#applying-a-version-edit.
    w.lengthPrefixed(encodeInternalKey(file.smallestKey, file.smallestSeq, ValueKind.Value))
    w.lengthPrefixed(encodeInternalKey(file.largestKey, file.largestSeq, ValueKind.Value))
    if (file.rangeDeletions !== undefined && file.rangeDeletions > 0) {
      w.varint(Tag.RangeDeletions).lengthPrefixed(new ByteWriter(16).varint(file.number).varint(file.rangeDeletions).finish())
    }
  }
  return w.finish()
}

export function decodeEdit(bytes: Uint8Array, where: string): VersionEdit {
  const edit = emptyEdit()
  const rangeDeletions = new Map<number, number>()
  let p = 0
  const level = (v: number): number => {
    if (v >= NUM_LEVELS) throw new RangeError(`level ${v} is out of range`)
    return v
  }
  const internalKey = (b: Uint8Array): Uint8Array => {
    if (b.length < 8) throw new RangeError(`internal key of ${b.length} bytes is shorter than its trailer`)
    return b
  }
  try {
    while (p < bytes.length) {
      let tag: number
      ;[tag, p] = getVarint(bytes, p)
      switch (tag) {
        case Tag.Comparator: {
          let name: Uint8Array
          ;[name, p] = getLengthPrefixed(bytes, p)
          edit.comparator = new TextDecoder().decode(name)
          break
        }
        case Tag.LogNumber:
          ;[edit.logNumber, p] = getVarint(bytes, p)
          break
        case Tag.NextFileNumber:
          ;[edit.nextFileNumber, p] = getVarint(bytes, p)
          break
        case Tag.LastSequence:
          ;[edit.lastSequence, p] = getVarint(bytes, p)
          break
        case Tag.DeletedFile: {
          let lv: number, num: number
          ;[lv, p] = getVarint(bytes, p)
          ;[num, p] = getVarint(bytes, p)
          edit.deletedFiles.push({ level: level(lv), number: num })
          break
        }
        case Tag.NewFile: {
          let lv: number, num: number, size: number, small: Uint8Array, large: Uint8Array
          ;[lv, p] = getVarint(bytes, p)
          ;[num, p] = getVarint(bytes, p)
          ;[size, p] = getVarint(bytes, p)
          ;[small, p] = getLengthPrefixed(bytes, p)
          ;[large, p] = getLengthPrefixed(bytes, p)
          small = copyBytes(internalKey(small))
          large = copyBytes(internalKey(large))
          edit.newFiles.push({
            level: level(lv),
            file: {
              number: num,
              size,
              smallestKey: userKeyOf(small),
              smallestSeq: sequenceOf(small),
              largestKey: userKeyOf(large),
              largestSeq: sequenceOf(large),
            },
          })
          break
        }
        case Tag.LifetimeCounters: {
          let value: Uint8Array
          ;[value, p] = getLengthPrefixed(bytes, p)
          edit.lifetime = decodeLifetime(value)
          break
        }
        case Tag.ReservesFileNumbers:
          ;[, p] = getLengthPrefixed(bytes, p)
          edit.reservesFileNumbers = true
          break
        case Tag.CompactPointer: {
          let value: Uint8Array, lv: number, at: number
          ;[value, p] = getLengthPrefixed(bytes, p)
          ;[lv, at] = getVarint(value, 0)
          ;(edit.compactPointers ??= []).push({ level: level(lv), key: copyBytes(value.subarray(at)) })
          break
        }
        case Tag.RangeDeletions: {
          let value: Uint8Array, num: number, count: number, at: number
          ;[value, p] = getLengthPrefixed(bytes, p)
          ;[num, at] = getVarint(value, 0)
          ;[count] = getVarint(value, at)
          rangeDeletions.set(num, count)
          break
        }
        default:
          if (tag < SAFE_IGNORE_TAG) throw new RangeError(`unknown tag ${tag} (written by a newer Shale?)`)
          // Optional field: its value is length-prefixed so it can be skipped.
          ;[, p] = getLengthPrefixed(bytes, p)
      }
    }
  } catch (err) {
    if (err instanceof RangeError) throw corruption(where, `bad version edit at byte ${p}: ${err.message}`)
    throw err
  }
  // Applies to the new-file fields of the same record, wherever it sits among them.
  if (rangeDeletions.size > 0) {
    edit.newFiles = edit.newFiles.map(({ level, file }) => {
      const n = rangeDeletions.get(file.number)
      return { level, file: n === undefined || n === 0 ? file : { ...file, rangeDeletions: n } }
    })
  }
  return edit
}
