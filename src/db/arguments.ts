// Validation of what callers pass to the public API: keys, values, batches, write and read
// options and iterator ranges. Bad input fails with INVALID_ARGUMENT before anything is
// written or read.

import type { CacheFill } from '../table/table-iterator.js'
import { invalidArgument } from '../errors.js'
import { ValueKind } from '../base/internal-key.js'
import { MAX_KEY_SIZE, MAX_VALUE_SIZE } from '../base/options.js'
import { binaryString, compareBytes, utf8 } from '../util/bytes.js'
import type { BatchOp } from '../wal/write-batch.js'
import type { Bound } from './db-iterator.js'
import { Snapshot } from './snapshot.js'

export type Bytes = Uint8Array | string

function toBytes(x: unknown, what: string): Uint8Array {
  if (typeof x === 'string') return utf8(x)
  if (x instanceof Uint8Array) return x
  throw invalidArgument(`Invalid ${what}: expected a string or Uint8Array, got ${x === null ? 'null' : typeof x}`)
}

/** A range bound or seek target: a position, not a stored key, so empty is allowed. */
export function boundArg(x: unknown, what: string): Uint8Array {
  return toBytes(x, what)
}

export function keyArg(x: unknown, allowEmpty: boolean, what = 'key'): Uint8Array {
  const k = toBytes(x, what)
  if (k.length === 0 && !allowEmpty) throw invalidArgument(`Invalid ${what}: must not be empty (or open with allowEmptyKeys: true)`)
  if (k.length > MAX_KEY_SIZE) throw invalidArgument(`Invalid ${what}: ${k.length} bytes exceeds the limit of ${MAX_KEY_SIZE}`)
  return k
}

/** Scratch for readKeyArg: one buffer and the last view of it, reused while key lengths repeat. */
const readKeyBuffer = new Uint8Array(64)
let readKeyView = readKeyBuffer.subarray(0, 0)

/**
 * keyArg for a read, which only looks at the key while it runs: a short ASCII string key is
 * encoded into a buffer shared by every read instead of a new array, so the view returned
 * is valid only until the next call. Every other key takes keyArg.
 */
export function readKeyArg(x: unknown, allowEmpty: boolean): Uint8Array {
  if (typeof x !== 'string' || x.length === 0 || x.length > readKeyBuffer.length) return keyArg(x, allowEmpty)
  const n = x.length
  for (let i = 0; i < n; i++) {
    const c = x.charCodeAt(i)
    if (c >= 0x80) return keyArg(x, allowEmpty)
    readKeyBuffer[i] = c
  }
  if (readKeyView.length !== n) readKeyView = readKeyBuffer.subarray(0, n)
  return readKeyView
}

/**
 * The key as the memtable's binary string. An ASCII string key already is one (its UTF-8
 * bytes equal its char codes, which is exactly when the byte count equals the length).
 */
export function binaryKey(x: Bytes, bytes: Uint8Array): string {
  return typeof x === 'string' && x.length === bytes.length ? x : binaryString(bytes)
}

/**
 * A value as bytes, not copied: the log and the memtable copy what they keep, and a write
 * that must wait first takes its own copy (see Shale#write).
 */
export function valueArg(x: unknown): Uint8Array {
  const v = toBytes(x, 'value')
  if (v.length > MAX_VALUE_SIZE) throw invalidArgument(`Invalid value: ${v.length} bytes exceeds the limit of ${MAX_VALUE_SIZE}`)
  return v
}

/**
 * One operation of db.write(). `delRange` deletes every key k with gte <= k < lt (a range
 * tombstone, as db.deleteRange); gte equal to lt deletes nothing, gte after lt is INVALID_ARGUMENT.
 * Without lt, every key from gte on, as db.deleteRange(gte): the end is fixed as the batch is
 * numbered, past every key then stored and every earlier operation of the batch.
 */
export type BatchOperation = { type: 'put'; key: Bytes; value: Bytes } | { type: 'del'; key: Bytes } | { type: 'delRange'; gte: Bytes; lt?: Bytes }

/** An operation as the log holds it (what the change feed delivers): a range deletion has its end. */
export type LoggedOperation = Exclude<BatchOperation, { type: 'delRange' }> | { type: 'delRange'; gte: Bytes; lt: Bytes }

/** A validated operation, with its key also as the memtable's binary string. */
export type PendingOp = BatchOp & { skey: string }

export function pendingOp(kind: ValueKind, key: unknown, value: unknown, allowEmptyKey: boolean, what = 'key'): PendingOp {
  const k = keyArg(key, allowEmptyKey, what)
  return { kind, key: k, value: kind === ValueKind.Value ? valueArg(value) : undefined, skey: binaryKey(key as Bytes, k) }
}

/**
 * A range deletion [gte, lt) as an operation (key = gte, value = lt, as the log stores it),
 * or undefined for an empty range (gte equal to lt), which deletes nothing. Bounds are
 * positions, so the empty bound is allowed; gte is at most MAX_KEY_SIZE bytes, and lt one
 * more (the successor of the longest key). With `openEnd`, lt may be undefined: the value
 * stays undefined until the write path fixes the end (open-range-end.ts).
 */
export function rangeDeletionOp(gte: unknown, lt: unknown, what = 'range', openEnd = false): PendingOp | undefined {
  const start = boundArg(gte, `gte of ${what}`)
  if (start.length > MAX_KEY_SIZE) throw invalidArgument(`Invalid gte of ${what}: ${start.length} bytes exceeds the limit of ${MAX_KEY_SIZE}`)
  if (lt === undefined && openEnd) return { kind: ValueKind.RangeDeletion, key: start, value: undefined, skey: '' }
  const end = boundArg(lt, `lt of ${what}`)
  if (end.length > MAX_KEY_SIZE + 1) throw invalidArgument(`Invalid lt of ${what}: ${end.length} bytes exceeds the limit of ${MAX_KEY_SIZE + 1}`)
  const c = compareBytes(start, end)
  if (c > 0) throw invalidArgument(`Invalid ${what}: gte sorts after lt`)
  if (c === 0) return undefined
  return { kind: ValueKind.RangeDeletion, key: start, value: end, skey: '' }
}

/** The operations of db.write(), validated. */
export function batchArg(operations: unknown, allowEmptyKeys: boolean): PendingOp[] {
  if (!Array.isArray(operations)) throw invalidArgument('Invalid batch: expected an array of operations')
  const out: PendingOp[] = []
  ;(operations as unknown[]).forEach((o, i) => {
    if (typeof o !== 'object' || o === null) throw invalidArgument(`Invalid batch operation ${i}: expected an object`)
    const op = o as BatchOperation
    if (op.type === 'put') out.push(pendingOp(ValueKind.Value, op.key, op.value, allowEmptyKeys, `key of operation ${i}`))
    else if (op.type === 'del') out.push(pendingOp(ValueKind.Deletion, op.key, undefined, allowEmptyKeys, `key of operation ${i}`))
    else if (op.type === 'delRange') {
      const r = rangeDeletionOp(op.gte, op.lt, `operation ${i}`, true)
      if (r !== undefined) out.push(r)
    } else throw invalidArgument(`Invalid batch operation ${i}: type must be 'put', 'del' or 'delRange', got ${String((o as { type: unknown }).type)}`)
  })
  return out
}

// Read options take `undefined` for "not given", so callers can pass through optional values.
export interface IteratorOptions {
  gt?: Bytes | undefined
  gte?: Bytes | undefined
  lt?: Bytes | undefined
  lte?: Bytes | undefined
  reverse?: boolean | undefined
  /** Maximum number of entries; -1 or undefined for no limit. */
  limit?: number | undefined
  snapshot?: Snapshot | undefined
  /**
   * Whether the data blocks the iterator reads go into the block cache. true: every block;
   * false: none (a one-off export or backup). Default: the block each seek lands on and the
   * next two, so short range reads are cached like gets while a long scan stops inserting
   * and does not push out what point reads use. Cached blocks are used either way.
   */
  fillCache?: boolean | undefined
}

export interface ReadOptions {
  snapshot?: Snapshot | undefined
}

/** The snapshot a read goes through, if any. */
export function readSnapshotArg(options: ReadOptions | undefined): Snapshot | undefined {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object') throw invalidArgument(`Invalid read options: expected an object, got ${typeof options}`)
  const snap = options.snapshot
  if (snap === undefined) return undefined
  if (!(snap instanceof Snapshot)) throw invalidArgument('Invalid option snapshot: expected a Snapshot from db.snapshot()')
  snap.checkUsable()
  return snap
}

function bound(x: unknown, inclusive: boolean, name: string): Bound | undefined {
  return x === undefined ? undefined : { key: boundArg(x, `option ${name}`), inclusive }
}

/** The iterator's fillCache option as a table cursor's cache-fill policy. */
export function cacheFillArg(options: IteratorOptions | undefined): CacheFill {
  const fill = options?.fillCache
  if (fill === undefined) return 'seeks'
  if (typeof fill !== 'boolean') throw invalidArgument(`Invalid option fillCache: expected a boolean, got ${typeof fill}`)
  return fill ? 'all' : 'none'
}

/** An iterator's range, direction and limit (its snapshot is read by readSnapshotArg). */
export function iteratorRangeArg(options: IteratorOptions | undefined): { lower: Bound | undefined; upper: Bound | undefined; reverse: boolean; limit: number } {
  const o = options ?? {}
  const lower = bound(o.gte, true, 'gte') ?? bound(o.gt, false, 'gt')
  const upper = bound(o.lte, true, 'lte') ?? bound(o.lt, false, 'lt')
  const reverse = o.reverse ?? false
  if (typeof reverse !== 'boolean') throw invalidArgument('Invalid option reverse: expected a boolean')
  const limit = o.limit === undefined || o.limit === -1 || o.limit === Infinity ? Infinity : o.limit
  if (typeof limit !== 'number' || !(limit >= 0) || (limit !== Infinity && !Number.isInteger(limit))) {
    throw invalidArgument(`Invalid option limit: expected a non-negative integer, got ${String(o.limit)}`)
  }
  return { lower, upper, reverse, limit }
}

export interface WriteOptions {
  /** Return only once the write is durable on disk (fdatasync). Default false. */
  sync?: boolean
}

export function syncArg(options: unknown): boolean {
  if (options === undefined || options === null) return false
  if (typeof options !== 'object') throw invalidArgument(`Invalid write options: expected an object, got ${typeof options}`)
  const sync = (options as WriteOptions).sync
  if (sync === undefined) return false
  if (typeof sync !== 'boolean') throw invalidArgument(`Invalid option sync: expected a boolean, got ${typeof sync}`)
  return sync
}

/** One entry of db.ingest(): a put of key to value. */
export interface IngestEntry {
  key: Bytes
  value: Bytes
}

/**
 * What db.ingest() reads: entries in strictly ascending key order, from an iterable or an
 * async one; an async one may also yield arrays of entries, which costs one await per array.
 */
export type IngestSource = AsyncIterable<IngestEntry | readonly IngestEntry[]> | Iterable<IngestEntry>

export function ingestSourceArg(x: unknown): IngestSource {
  const it = x as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown } | null | undefined
  if (typeof it?.[Symbol.asyncIterator] === 'function' || typeof it?.[Symbol.iterator] === 'function') return x as IngestSource
  throw invalidArgument('Invalid entries: expected an iterable or async iterable of {key, value}')
}

/** The key of entry `index` of an ingest, validated as a put's would be. */
export function ingestKeyArg(x: unknown, index: number, allowEmptyKeys: boolean): Uint8Array {
  if (typeof x !== 'object' || x === null) throw invalidArgument(`Invalid ingest entry ${index}: expected an object {key, value}`)
  return keyArg((x as { key?: unknown }).key, allowEmptyKeys, `key of ingest entry ${index}`)
}
