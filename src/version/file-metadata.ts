// What the manifest records about one live SSTable: its number, size and key range.

import { compareBytes } from '../util/bytes.js'

export interface FileMetadata {
  readonly number: number
  readonly size: number
  readonly smallestKey: Uint8Array
  readonly smallestSeq: number
  readonly largestKey: Uint8Array
  readonly largestSeq: number
  /**
   * Range tombstones the table holds (absent: none). Known without opening the table, so
   * reads skip the range-deletion path entirely while no table has any. The largest key may
   * then be a tombstone's exclusive end, which bounds treat as inclusive (one key too wide).
   */
  readonly rangeDeletions?: number
}

/** True when the file's user-key range contains key. */
export function fileContains(f: FileMetadata, key: Uint8Array): boolean {
  return compareBytes(key, f.smallestKey) >= 0 && compareBytes(key, f.largestKey) <= 0
}

/** True when the file's user-key range intersects [start, end] (either bound may be open). */
export function fileOverlaps(f: FileMetadata, start: Uint8Array | undefined, end: Uint8Array | undefined): boolean {
  if (start !== undefined && compareBytes(f.largestKey, start) < 0) return false
  if (end !== undefined && compareBytes(f.smallestKey, end) > 0) return false
  return true
}
