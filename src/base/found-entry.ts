// What a point lookup returns, whichever structure answered it: the memtable, one table, or
// the version over all tables. Undefined stands for "no entry at or below the read's sequence".

import type { ValueKind } from './internal-key.js'

/** The newest entry for a key with sequence <= the read's, tombstones included. */
export interface FoundEntry {
  seq: number
  kind: ValueKind
  /** May be a view into a block or arena: its bytes never change, but copy it to keep it past the read. */
  value: Uint8Array
}
