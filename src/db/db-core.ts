// The parts of an open database that its paths (writes, flushes, compactions) share. The
// Writer (writer.ts) builds them once at open and hands them to each path.

import type { ResolvedOptions } from '../base/options.js'
import type { TableCache } from '../table/table-cache.js'
import type { VersionSet } from '../version/version-set.js'
import type { FileSystem } from '../vfs/file-system.js'
import type { BackgroundError } from './background-error.js'
import type { ChangeLogs } from './change-logs.js'
import type { ObsoleteFileCollector } from './obsolete-files.js'
import type { StatsCounters } from './stats.js'

export interface DbCore {
  /** The database directory, resolved. */
  readonly location: string
  readonly fs: FileSystem
  readonly options: ResolvedOptions
  readonly versions: VersionSet
  readonly tables: TableCache
  readonly counters: StatsCounters
  readonly errors: BackgroundError
  readonly files: ObsoleteFileCollector
  /** The change feed's side of the logs: retention, pins, and waking feeds on new bytes. */
  readonly changes: ChangeLogs
  /** True once close() began: background work stops at its next step. */
  readonly isClosed: () => boolean
}
