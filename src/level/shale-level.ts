// `shale/level`: Shale behind the abstract-level interface, so it drops in wherever
// classic-level does (encodings, sublevels, streams, hooks come from abstract-level).
// This file only translates: Level's private API calls to Shale's public API, and (through
// level-errors.ts) ShaleError codes to the LEVEL_* codes Level users branch on.

import { AbstractIterator, AbstractLevel, AbstractSnapshot } from 'abstract-level'
import type { AbstractDatabaseOptions, AbstractOpenOptions } from 'abstract-level'
import { MAX_KEY_SIZE, OPTION_NAMES, Shale, ShaleError, type ChangeBatch, type ChangesOptions, type CheckpointResult, type IteratorOptions, type Options, type Snapshot } from '../index.js'
import { nativeBuffer, utf8Decode, utf8Length } from '#runtime'
import { levelError } from './level-errors.js'
import { misspeltOption } from './misspelt-option.js'

type Format = Uint8Array | string
type Encoding = 'buffer' | 'view' | 'utf8'

/** Engine options (memtable size, block size, ...) beside Level's database options. */
export type ShaleLevelOptions<K = string, V = string> = AbstractDatabaseOptions<K, V> & Omit<Options, 'createIfMissing' | 'errorIfExists'>

interface PrivateReadOptions {
  keyEncoding?: Encoding
  valueEncoding?: Encoding
  snapshot?: ShaleLevelSnapshot
}

interface PrivateIteratorOptions extends PrivateReadOptions {
  gt?: Format
  gte?: Format
  lt?: Format
  lte?: Format
  reverse: boolean
  limit: number
  keys?: boolean
  values?: boolean
}

type PrivateBatchOp =
  | { type: 'put'; key: Format; value: Format; keyEncoding: Encoding; valueEncoding: Encoding }
  | { type: 'del'; key: Format; keyEncoding: Encoding }


/** Options both APIs know, which Level must see (it hands them back to _open()). */
const LEVEL_OWNED = new Set(['createIfMissing', 'errorIfExists'])

/**
 * Rejects a key over the engine's limit with Level's code for a bad key (the engine's
 * INVALID_ARGUMENT cannot tell a key from a value).
 */
function checkKeySize(key: Format): void {
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so most strings need no byte count.
  const size = typeof key !== 'string' ? key.byteLength : key.length * 3 <= MAX_KEY_SIZE ? 0 : utf8Length(key)
  if (size > MAX_KEY_SIZE) {
    throw Object.assign(new Error(`Invalid key: ${size} bytes exceeds the limit of ${MAX_KEY_SIZE}`), { code: 'LEVEL_INVALID_KEY' })
  }
}

function decode(bytes: Buffer, encoding: Encoding | undefined): Format {
  if (encoding === 'utf8') return utf8Decode(bytes)
  if (encoding === 'view') return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return bytes
}

class ShaleLevelSnapshot extends AbstractSnapshot {
  readonly snapshot: Snapshot

  constructor(options: object, snapshot: Snapshot) {
    // The type declarations omit the constructor's options (which name the owning database).
    super(...([options] as unknown as []))
    this.snapshot = snapshot
  }

  async _close(): Promise<void> {
    this.snapshot.release()
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyShaleLevel = ShaleLevel<any, any>

class ShaleLevelIterator extends AbstractIterator<AnyShaleLevel, Format, Format> {
  readonly #it: ReturnType<Shale['iterator']> | undefined
  readonly #options: PrivateIteratorOptions

  /** Without `it`, the iterator was asked for on a closed snapshot: every read fails. */
  constructor(db: AnyShaleLevel, options: PrivateIteratorOptions, it: ReturnType<Shale['iterator']> | undefined) {
    super(db, options as never)
    this.#it = it
    this.#options = options
  }

  get #cursor(): ReturnType<Shale['iterator']> {
    if (this.#it === undefined) throw Object.assign(new Error('Snapshot is not open: cannot use snapshot after close()'), { code: 'LEVEL_SNAPSHOT_NOT_OPEN' })
    return this.#it
  }

  #entry(e: [Buffer, Buffer]): [Format | undefined, Format | undefined] {
    const o = this.#options
    return [o.keys === false ? undefined : decode(e[0], o.keyEncoding), o.values === false ? undefined : decode(e[1], o.valueEncoding)]
  }

  async _next(): Promise<[Format | undefined, Format | undefined] | undefined> {
    try {
      // nextv, not next(): at the end the cursor must stay open for a later seek().
      const [e] = await this.#cursor.nextv(1)
      return e === undefined ? undefined : this.#entry(e)
    } catch (err) {
      throw levelError(err)
    }
  }

  async _nextv(size: number): Promise<[Format | undefined, Format | undefined][]> {
    try {
      return (await this.#cursor.nextv(size)).map((e) => this.#entry(e))
    } catch (err) {
      throw levelError(err)
    }
  }

  async _all(): Promise<[Format | undefined, Format | undefined][]> {
    return this._nextv(Infinity)
  }

  _seek(target: Format): void {
    this.#it?.seek(target)
  }

  async _close(): Promise<void> {
    this.#it?.close()
  }
}

const asBytes = (x: Format): Uint8Array => (typeof x === 'string' ? new TextEncoder().encode(x) : x)

/** The smallest key after k (nothing sorts between k and k + 0x00). */
function successor(k: Uint8Array): Uint8Array {
  const out = new Uint8Array(k.length + 1)
  out.set(k)
  return out
}

/** Bytewise order, the engine's (the adapter uses only the engine's public API). */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/**
 * A clear's range as [gte, lt) for deleteRange; lt undefined when the range has no upper
 * bound (deleteRange then ends it past the last key present). The empty key is the lowest
 * one, so a missing lower bound needs nothing of the kind.
 */
function clearRange(o: PrivateIteratorOptions): { gte: Uint8Array; lt: Uint8Array | undefined } {
  const gte = o.gte !== undefined ? asBytes(o.gte) : o.gt !== undefined ? successor(asBytes(o.gt)) : new Uint8Array(0)
  // As for iterators, gte wins over gt and lte over lt when both are given.
  const lt = o.lte !== undefined ? successor(asBytes(o.lte)) : o.lt !== undefined ? asBytes(o.lt) : undefined
  return { gte, lt }
}

export class ShaleLevel<K = string, V = string> extends AbstractLevel<Format, K, V> {
  readonly location: string
  readonly #engineOptions: Options
  #db: Shale | undefined

  constructor(location: string, options: ShaleLevelOptions<K, V> = {}) {
    // Engine options stay here, and so does a near miss of one (`memtableSise`), for
    // Shale.open to reject as it would its own. Everything else is Level's: encodings,
    // createIfMissing ..., and userland options, which abstract-level passes to hooks.
    const engine: Record<string, unknown> = {}
    const level: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(options)) {
      const isEngine = OPTION_NAMES.has(k) ? !LEVEL_OWNED.has(k) : misspeltOption(k, OPTION_NAMES) !== undefined
      if (isEngine) engine[k] = v
      else level[k] = v
    }
    super(
      {
        // Without Buffer (the browser) values are Uint8Arrays: abstract-level transcodes 'buffer' from 'view'.
        encodings: { buffer: nativeBuffer, view: true, utf8: true },
        implicitSnapshots: true,
        explicitSnapshots: true,
        permanence: true,
        seek: true,
        createIfMissing: true,
        errorIfExists: true,
        has: true,
        ...({ getSync: true } as object), // newer than the manifest's type declarations
        additionalMethods: { compactRange: true, stats: true, refresh: true, checkpoint: true, changes: true },
      },
      level as AbstractDatabaseOptions<K, V>,
    )
    if (typeof location !== 'string' || location === '') throw new TypeError("The first argument 'location' must be a non-empty string")
    this.location = location
    // Level requires empty keys to work, so the adapter turns them on.
    this.#engineOptions = { ...(engine as Options), allowEmptyKeys: true }
  }

  /** The open engine; abstract-level only calls private methods while the database is open. */
  get #engine(): Shale {
    return this.#db!
  }

  async _open(options: AbstractOpenOptions): Promise<void> {
    try {
      const { createIfMissing, errorIfExists } = options
      this.#db = await Shale.open(this.location, {
        ...this.#engineOptions,
        ...(createIfMissing === undefined ? {} : { createIfMissing }),
        ...(errorIfExists === undefined ? {} : { errorIfExists }),
      })
    } catch (err) {
      throw levelError(err)
    }
  }

  async _close(): Promise<void> {
    const db = this.#db
    this.#db = undefined
    await db?.close()
  }

  #read(options: PrivateReadOptions) {
    return options.snapshot === undefined ? undefined : { snapshot: options.snapshot.snapshot }
  }

  _getSync(key: Format, options: PrivateReadOptions): Format | undefined {
    checkKeySize(key)
    try {
      const v = this.#engine.getSync(key, this.#read(options))
      return v === undefined ? undefined : decode(v, options.valueEncoding)
    } catch (err) {
      throw levelError(err)
    }
  }

  // The async reads go through the engine's async calls, which let the event loop turn
  // about every millisecond; _getSync is for callers that chose to hold the thread.
  async _get(key: Format, options: PrivateReadOptions): Promise<Format | undefined> {
    checkKeySize(key)
    try {
      const v = await this.#engine.get(key, this.#read(options))
      return v === undefined ? undefined : decode(v, options.valueEncoding)
    } catch (err) {
      throw levelError(err)
    }
  }

  async _getMany(keys: Format[], options: PrivateReadOptions): Promise<(Format | undefined)[]> {
    for (const k of keys) checkKeySize(k)
    try {
      return (await this.#engine.getMany(keys, this.#read(options))).map((v) => (v === undefined ? undefined : decode(v, options.valueEncoding)))
    } catch (err) {
      throw levelError(err)
    }
  }

  async _has(key: Format, options: PrivateReadOptions): Promise<boolean> {
    checkKeySize(key)
    try {
      return await this.#engine.has(key, this.#read(options))
    } catch (err) {
      throw levelError(err)
    }
  }

  async _hasMany(keys: Format[], options: PrivateReadOptions): Promise<boolean[]> {
    for (const k of keys) checkKeySize(k)
    try {
      return (await this.#engine.getMany(keys, this.#read(options))).map((v) => v !== undefined)
    } catch (err) {
      throw levelError(err)
    }
  }

  async _put(key: Format, value: Format, options: { sync?: boolean }): Promise<void> {
    checkKeySize(key)
    try {
      await this.#engine.put(key, value, { sync: options.sync === true })
    } catch (err) {
      throw levelError(err)
    }
  }

  async _del(key: Format, options: { sync?: boolean }): Promise<void> {
    checkKeySize(key)
    try {
      await this.#engine.delete(key, { sync: options.sync === true })
    } catch (err) {
      throw levelError(err)
    }
  }

  async _batch(operations: PrivateBatchOp[], options: { sync?: boolean }): Promise<void> {
    for (const op of operations) checkKeySize(op.key)
    try {
      await this.#engine.write(operations.map((op) => (op.type === 'put' ? { type: 'put', key: op.key, value: op.value } : { type: 'del', key: op.key })), { sync: options.sync === true })
    } catch (err) {
      throw levelError(err)
    }
  }

  #range(options: PrivateIteratorOptions): IteratorOptions {
    const range: IteratorOptions = { reverse: options.reverse, limit: options.limit }
    if (options.gt !== undefined) range.gt = options.gt
    if (options.gte !== undefined) range.gte = options.gte
    if (options.lt !== undefined) range.lt = options.lt
    if (options.lte !== undefined) range.lte = options.lte
    if (options.snapshot !== undefined) range.snapshot = options.snapshot.snapshot
    // classic-level's option of the same name and meaning; abstract-level passes it through.
    const fillCache = (options as { fillCache?: unknown }).fillCache
    if (typeof fillCache === 'boolean') range.fillCache = fillCache
    return range
  }

  _iterator(options: PrivateIteratorOptions): ShaleLevelIterator {
    const released = options.snapshot?.snapshot.released === true
    return new ShaleLevelIterator(this, options, released ? undefined : this.#engine.iterator(this.#range(options)))
  }

  /**
   * Deletes a range: without a limit or a snapshot, by one range tombstone (db.deleteRange),
   * whatever the number of keys; otherwise (a limit needs counting, a snapshot's view of the
   * range is not what a tombstone deletes) in batches, iterating a snapshot. Either way later
   * writes are unaffected.
   */
  async _clear(options: PrivateIteratorOptions): Promise<void> {
    // Refused even when the range is empty, as every other write of a read-only handle is.
    if (this.#engine.readOnly) throw levelError(new ShaleError('READ_ONLY', `Cannot clear ${this.location}: it is open read-only`))
    const unlimited = options.limit === -1 || options.limit === Infinity || options.limit === undefined
    if (unlimited && options.snapshot === undefined) {
      // Called at once, with nothing awaited first: the range deletion is numbered before any
      // write made after clear() was called, so none of those is deleted.
      const { gte, lt } = clearRange(options)
      // A range that sorts backwards (gt: 'b', lt: 'a') holds nothing; deleteRange would refuse it.
      if (lt !== undefined && compareKeys(gte, lt) >= 0) return
      try {
        await this.#engine.deleteRange(gte, lt)
      } catch (err) {
        throw levelError(err)
      }
      return
    }
    // Keys read only to be deleted: nothing worth caching.
    const it = this.#engine.iterator({ ...this.#range(options), fillCache: false })
    try {
      for (let keys = await it.nextv(1000); keys.length > 0; keys = await it.nextv(1000)) {
        await this.#engine.write(keys.map(([k]) => ({ type: 'del' as const, key: k })))
      }
    } catch (err) {
      throw levelError(err)
    } finally {
      it.close()
    }
  }

  _snapshot(options: object): ShaleLevelSnapshot {
    return new ShaleLevelSnapshot(options, this.#engine.snapshot())
  }

  /** Compacts [start, end] down to the last level (all keys when omitted). */
  async compactRange(start?: Format, end?: Format): Promise<void> {
    if (this.status !== 'open') throw Object.assign(new Error('Database is not open'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    try {
      await this.#engine.compactRange(start, end)
    } catch (err) {
      throw levelError(err)
    }
  }

  /**
   * Opened with `readOnly: true`: catches up with the process that writes the store (see
   * Shale#refresh). Resolves to whether anything changed; false at once on a writer.
   */
  async refresh(): Promise<boolean> {
    if (this.status !== 'open') throw Object.assign(new Error('Database is not open'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    try {
      return await this.#engine.refresh()
    } catch (err) {
      throw levelError(err)
    }
  }

  /** Hot backup: an openable copy of the store, as of the call, in `dir` (see Shale#checkpoint). */
  async checkpoint(dir: string): Promise<CheckpointResult> {
    if (this.status !== 'open') throw Object.assign(new Error('Database is not open'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    try {
      return await this.#engine.checkpoint(dir)
    } catch (err) {
      throw levelError(err)
    }
  }

  /**
   * The change feed (see Shale#changes): committed batches from `since` on, then new ones as
   * they commit. Operations are the engine's, below the adapter: keys and values are the
   * stored bytes (a sublevel's keys carry its prefix), not decoded by any encoding. Errors
   * are LEVEL_* codes, as the adapter's others.
   */
  async *changes(options?: ChangesOptions): AsyncGenerator<ChangeBatch, void, undefined> {
    if (this.status !== 'open') throw Object.assign(new Error('Database is not open'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    let feed
    try {
      feed = this.#engine.changes(options)
    } catch (err) {
      throw levelError(err)
    }
    try {
      for await (const batch of feed) yield batch
    } catch (err) {
      throw levelError(err)
    }
  }

  /** The engine's statistics (see Shale#stats); `{ space: true }` adds space amplification. */
  stats(options?: Parameters<Shale['stats']>[0]): ReturnType<Shale['stats']> {
    if (this.status !== 'open') throw Object.assign(new Error('Database is not open'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    return this.#engine.stats(options)
  }
}
