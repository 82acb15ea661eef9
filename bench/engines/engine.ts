// The one interface every benchmarked store is driven through, so a workload is written
// once and each engine runs it with its own idiomatic calls (awaited puts and gets, its own
// batch and iterator APIs).

export interface BenchEngine {
  /** One put; `sync` asks for durability before the promise settles. */
  put(key: string, value: Uint8Array, sync: boolean): Promise<void>
  /** An atomic batch of puts through the engine's batch API. */
  batch(entries: ReadonlyArray<readonly [string, Uint8Array]>): Promise<void>
  /** A bulk load of entries in key order (Shale's db.ingest); returns the entries loaded. */
  ingest?(entries: Iterable<{ key: string; value: Uint8Array }>): Promise<number>
  get(key: string): Promise<Uint8Array | undefined>
  /** A full forward scan; returns the number of entries seen. */
  scan(): Promise<number>
  /** Positions at the first key >= `key` and reads up to `count` entries; returns how many. */
  seek(key: string, count: number): Promise<number>
  close(): Promise<void>
  /** Engine-specific figures for the report (Shale: write amplification). */
  extra?(): Record<string, number>
}

export type OpenEngine = (dir: string) => Promise<BenchEngine>

/** What the runner and the report know about an engine without loading it. */
export interface EngineInfo {
  name: string
  /** The npm package it comes from (its version goes in the report); undefined for Shale itself. */
  packageName: string | undefined
  /** Shown instead of a package version for what is built into Node (the Map). */
  builtin?: string
  /** What a put without `sync` promises, for the report. */
  durability: string
  /** Workloads this engine cannot run meaningfully (a Map has no order, lmdb noSync no fsync). */
  skips: ReadonlySet<string>
  /** Keeps nothing on disk: it loads its own data for read workloads instead of copying a seed. */
  inMemory?: boolean
  /** When set, the only workloads this engine runs (the ablation rows). */
  only?: ReadonlySet<string>
  /** Loaded in the child process only, so each child holds just the engine it measures. */
  load(): Promise<OpenEngine>
}

/** Entries an engine's synchronous range iterator yields: the scan and seek of the peers whose ranges are plain iterables. */
export function countEntries(entries: Iterable<unknown>): number {
  let n = 0
  for (const _ of entries) n++
  return n
}
