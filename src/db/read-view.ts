// What a read searches, newest first: memtables, then the tables of a version. A writer's
// view changes at each memtable switch and version; a read-only handle's at each refresh.

import type { Memtable } from '../memtable/memtable.js'
import type { Version } from '../version/version.js'

export interface ReadView {
  readonly memtables: readonly Memtable[]
  readonly version: Version
}
