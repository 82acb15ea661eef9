// The parts of one open handle, a writer's or a read-only one: what the Shale facade
// delegates to, what close.ts lets go of and what handle-stats.ts reports on. The facade
// builds them once at open; a handle has either a writer or a follower, never both.

import type { ResolvedOptions } from '../base/options.js'
import type { CompactionRunner } from '../compaction/in-process-runner.js'
import type { TableCache } from '../table/table-cache.js'
import type { VersionSet } from '../version/version-set.js'
import type { BackgroundError } from './background-error.js'
import type { Follower } from './follower.js'
import type { GroupCommit } from './group-commit.js'
import type { ReadPath } from './read-path.js'
import type { SnapshotList } from './snapshot.js'
import type { StatsCounters } from './stats.js'
import type { Writer } from './writer.js'

export interface DbHandle {
  readonly options: ResolvedOptions
  readonly versions: VersionSet
  readonly tables: TableCache
  readonly counters: StatsCounters
  readonly snapshots: SnapshotList
  readonly errors: BackgroundError
  readonly commit: GroupCommit
  readonly runner: CompactionRunner
  readonly reads: ReadPath
  /** The lock, the write path and the compactions: only on a handle open for writing. */
  readonly writer: Writer | undefined
  /** What a read-only handle sees of the writer's store: only on a read-only handle. */
  readonly follower: Follower | undefined
}
