// What stats() reports for one open handle: its counters, levels, memtables and logs,
// gathered from a writer or a read-only follower into the sources stats.ts turns into a
// DbStats.

import { levelScores } from '../compaction/compaction-picker.js'
import type { DbHandle } from './db-handle.js'
import { changeRange } from './change-feed.js'
import { databaseStats, spaceStats, type ChangesStats, type DbStats } from './stats.js'

/** `entries`, when given, are the live entries that measure space amplification (O(data)). */
export function handleStats(h: DbHandle, entries: (() => Iterable<[Uint8Array, Uint8Array]>) | undefined): DbStats {
  const version = h.versions.current
  const writes = h.writer?.writes
  const walBytes = h.follower?.walBytes ?? writes!.walBytes
  return databaseStats({
    counters: h.counters,
    levels: version.levels,
    scores: levelScores(version, h.options),
    // A read-only handle's memtables are the writer's logs replayed: all count as active.
    active: h.follower?.view.memtables ?? [writes!.memtable],
    immutable: writes?.immutable,
    unflushed: h.reads.currentView().memtables,
    walBytes,
    ownsLogs: h.follower === undefined,
    lifetime: h.versions.lifetime,
    space: entries === undefined ? undefined : () => spaceStats(entries(), version.levels, h.tables, walBytes),
    rest: {
      lastSequence: h.reads.lastSequence,
      snapshots: h.snapshots.size,
      openIterators: h.reads.openIterators,
      fsyncs: h.commit.syncs,
      wal: h.commit.stats(),
      blockCache: h.tables.blockCacheUsage(),
      backgroundError: h.errors.error?.message,
      compactionWarning: h.runner.warning,
      changes: changesStats(h),
    },
  })
}

function changesStats(h: DbHandle): ChangesStats {
  const changes = h.writer?.changes
  const last = changes?.lastSequence() ?? h.reads.lastSequence
  const retained = changes?.retained() ?? { numbers: [], bytes: 0 }
  changes?.flushLog()
  const source = changes ?? h.follower!
  const range = changeRange(source.fs, source.dir, last)
  return { lastSequence: last, firstSequence: range.first, retainedLogs: retained.numbers.length, retainedBytes: retained.bytes, feeds: changes?.feeds ?? 0 }
}
