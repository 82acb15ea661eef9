// Binary search over a sorted level: the files of levels 1 and deeper are in key order and
// do not overlap, so the first file that ends at or after a key is the only one that can
// hold it. Gets and level cursors both start from this one search.

import { compareBytes } from '../util/bytes.js'
import type { FileMetadata } from './file-metadata.js'

/**
 * The index of the first file whose largest key is >= key, or files.length when every file
 * ends before it. Files before that index cannot hold key; the file at it holds key only if
 * its smallest key is <= key.
 */
export function findFile(files: readonly FileMetadata[], key: Uint8Array): number {
  let lo = 0
  let hi = files.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareBytes(files[mid]!.largestKey, key) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}
