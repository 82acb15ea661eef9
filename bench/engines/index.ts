// Every engine the suite knows, in report order. Modules load lazily so that each child
// process holds only the engine it measures (peak RSS is per engine).

import type { EngineInfo } from './engine.js'

export const ENGINES: readonly EngineInfo[] = [
  {
    name: 'shale',
    packageName: undefined,
    durability: 'WAL written on every put, fsynced with sync: true (group commit)',
    skips: new Set(),
    load: async () => (await import('./shale.js')).openShale('binary'),
  },
  {
    name: 'classic-level',
    packageName: 'classic-level',
    durability: 'log written on every put, fsynced with sync: true',
    skips: new Set(),
    load: async () => (await import('./classic-level.js')).openClassicLevel,
  },
  {
    name: 'rocksdb',
    packageName: 'rocksdb',
    durability: 'WAL written on every put, fsynced with sync: true',
    skips: new Set(),
    load: async () => (await import('./rocksdb.js')).openRocksDb,
  },
  {
    name: 'lmdb',
    packageName: 'lmdb',
    durability: 'every commit fsynced (overlappingSync: a put settles at commit, the fsync follows)',
    skips: new Set(),
    load: async () => (await import('./lmdb.js')).openLmdb(false),
  },
  {
    name: 'lmdb-nosync',
    packageName: 'lmdb',
    durability: 'noSync: never fsynced; a crash can corrupt the store (lmdb-js#132)',
    // No fsync, so no sync write to measure.
    skips: new Set(['fillsync', 'fillsync-64']),
    load: async () => (await import('./lmdb.js')).openLmdb(true),
  },
  {
    name: 'sqlite',
    packageName: 'better-sqlite3',
    durability: 'WAL mode, synchronous=NORMAL: a commit reaches the WAL file unsynced (survives a process crash, not power loss); sync: true puts go through a synchronous=FULL connection, which fsyncs the WAL at commit',
    skips: new Set(),
    load: async () => (await import('./sqlite.js')).openSqlite,
  },
  {
    name: 'map',
    packageName: undefined,
    builtin: `JavaScript Map (Node ${process.version})`,
    durability: 'none: memory only (the yardstick)',
    // Nothing to sync, and no key order to seek in.
    skips: new Set(['fillsync', 'fillsync-64', 'seekrandom']),
    inMemory: true,
    load: async () => (await import('./map-yardstick.js')).openMap,
  },
  {
    name: 'shale-readonly',
    packageName: undefined,
    durability: 'Shale opened with readOnly: true on the loaded store (reads only)',
    skips: new Set(),
    only: new Set(['readrandom', 'readrandom-64', 'readmissing', 'readseq', 'seekrandom']),
    load: async () => (await import('./shale.js')).openShale('binary', true),
  },
  {
    name: 'shale-linear',
    packageName: undefined,
    durability: "Shale with blockSearch: 'linear' (the notebook's ablation)",
    skips: new Set(),
    only: new Set(['mixed', 'readrandom']),
    load: async () => (await import('./shale.js')).openShale('linear'),
  },
  {
    name: 'wal-only',
    packageName: undefined,
    durability: "the notebook's everything-in-WAL store: log written on every put, fsynced with sync: true",
    // Its logs keep no key order, so there is nothing to scan or seek in order.
    skips: new Set(['readseq', 'seekrandom']),
    load: async () => (await import('./wal-only.js')).openWalOnly,
  },
]

export function engineByName(name: string): EngineInfo {
  const engine = ENGINES.find((e) => e.name === name)
  if (engine === undefined) throw new Error(`Unknown engine "${name}"; known: ${ENGINES.map((e) => e.name).join(', ')}`)
  return engine
}
