// Counters that describe a store's whole life rather than one process: how many bytes users
// wrote and how many the engine wrote for them. Every version edit carries the running totals
// (docs/format.md#lifetime-counters), so they become durable with the flush or compaction
// they count, at no extra fsync, and the newest edit in the MANIFEST holds the current totals.

import { ByteWriter, getVarint } from '../util/coding.js'

/** Compactions whose output went to one level. */
export interface LevelLifetime {
  compactions: number
  bytesRead: number
  bytesWritten: number
}

export interface LifetimeCounters {
  /** Key and value bytes of the writes whose log a flush (or a recovery) has turned into a table, and of ingested entries. */
  userBytes: number
  /** Bytes of the write-ahead logs those writes went through. */
  walBytes: number
  /** Memtables written as level-0 tables, by a flush or by recovery on open. */
  flushes: number
  /** Bytes of those tables and of ingested ones (db.ingest() counts its entries in userBytes). */
  flushBytes: number
  /** Indexed by output level. */
  levels: LevelLifetime[]
}

/** What one version edit adds to the totals. */
export interface LifetimeDelta {
  userBytes?: number
  walBytes?: number
  flushes?: number
  flushBytes?: number
  compaction?: { outputLevel: number; bytesRead: number; bytesWritten: number }
}

export function emptyLifetime(): LifetimeCounters {
  return { userBytes: 0, walBytes: 0, flushes: 0, flushBytes: 0, levels: [] }
}

export function addLifetime(c: LifetimeCounters, d: LifetimeDelta | undefined): LifetimeCounters {
  const levels = c.levels.map((l) => ({ ...l }))
  if (d?.compaction !== undefined) {
    const { outputLevel, bytesRead, bytesWritten } = d.compaction
    for (let i = levels.length; i <= outputLevel; i++) levels.push({ compactions: 0, bytesRead: 0, bytesWritten: 0 })
    const l = levels[outputLevel]!
    l.compactions++
    l.bytesRead += bytesRead
    l.bytesWritten += bytesWritten
  }
  return {
    userBytes: c.userBytes + (d?.userBytes ?? 0),
    walBytes: c.walBytes + (d?.walBytes ?? 0),
    flushes: c.flushes + (d?.flushes ?? 0),
    flushBytes: c.flushBytes + (d?.flushBytes ?? 0),
    levels,
  }
}

/** Varints in a fixed order; a newer Shale may append fields, which this reader ignores. */
export function encodeLifetime(c: LifetimeCounters): Uint8Array {
  const w = new ByteWriter(32).varint(c.userBytes).varint(c.walBytes).varint(c.flushes).varint(c.flushBytes).varint(c.levels.length)
  for (const l of c.levels) w.varint(l.compactions).varint(l.bytesRead).varint(l.bytesWritten)
  return w.finish()
}

/** Throws RangeError on truncated bytes; the caller reports it as corruption. */
export function decodeLifetime(bytes: Uint8Array): LifetimeCounters {
  let p = 0
  const next = (): number => {
    let v: number
    ;[v, p] = getVarint(bytes, p)
    return v
  }
  const c: LifetimeCounters = { userBytes: next(), walBytes: next(), flushes: next(), flushBytes: next(), levels: [] }
  const n = next()
  // Shale has 7 levels; a count far past that means the bytes are not what they claim.
  if (n > 64) throw new RangeError(`lifetime counters for ${n} levels`)
  for (let i = 0; i < n; i++) c.levels.push({ compactions: next(), bytesRead: next(), bytesWritten: next() })
  return c
}
