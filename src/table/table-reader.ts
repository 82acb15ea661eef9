// Reads an SSTable: open() loads the footer, index, filter and properties; data blocks are
// read on demand, checksummed, decompressed and kept (decompressed) in the shared block
// cache. get() answers point lookups; iterator() is a two-level cursor (index entry -> data
// block cursor).

import { ShaleError, closedError, corruption } from '../errors.js'
import type { RandomAccessFile } from '../vfs/file-system.js'
import type { FoundEntry } from '../base/found-entry.js'
import type { InternalIterator } from '../base/internal-iterator.js'
import { type ValueKind, compareInternalKeyRange, compareInternalKeys, writeTrailer, TRAILER_SIZE } from '../base/internal-key.js'
import type { LruCache } from '../util/lru-cache.js'
import { Block, BlockCursor, type BlockSearch } from './block.js'
import { bloomMayContain } from './bloom.js'
import {
  type BlockHandle,
  type TableProperties,
  BLOCK_TRAILER_SIZE,
  FOOTER_SIZE,
  checkBlock,
  decodeBlockHandle,
  decodeProperties,
  readFooter,
} from './format.js'

export interface TableReaderOptions {
  /**
   * Shared cache of parsed data blocks, keyed `${cacheId}:${offset}`; undefined disables it.
   * Blocks are cached decompressed and charged their decompressed size.
   */
  blockCache: LruCache<string, Block> | undefined
  /** Unique per opened reader, so blocks of different files (or openings) never collide. */
  cacheId: number
  /**
   * true: verify the checksum of every data block read from the file. false: data blocks
   * only get structural checks. Footer, index, filter and properties are always verified.
   */
  paranoidChecks: boolean
  search: BlockSearch
}

/** Where get() counts, for read amplification, the lookups the bloom filter let through to a data block. */
export interface SearchCounter {
  tablesSearched: number
}

/** Counters for tests and benchmarks. */
export interface TableReaderStats {
  /** Data blocks read from the file. */
  blockReads: number
  /** Data blocks found in the block cache. */
  cacheHits: number
  /** get() calls answered by the bloom filter alone. */
  filterSkips: number
}

/** The sequence number of the internal key whose trailer starts at buf[at]. */
function sequenceAt(buf: Uint8Array, at: number): number {
  let seq = 0
  for (let i = at + TRAILER_SIZE - 1; i > at; i--) seq = seq * 256 + buf[i]!
  return seq
}

/** dst.set(src) without its fixed cost, which dominates for short keys. */
function copyInto(dst: Uint8Array, src: Uint8Array): void {
  if (src.length > 64) dst.set(src)
  else for (let i = 0; i < src.length; i++) dst[i] = src[i]!
}

/**
 * Reads the stored bytes + trailer of a block, checks them and returns the (decompressed)
 * contents; the handle is bounds-checked first. `version` is the table's format version.
 */
function readBlockContents(file: RandomAccessFile, fileName: string, handle: BlockHandle, limit: number, verify: boolean, version: number): Uint8Array {
  if (handle.offset + handle.size + BLOCK_TRAILER_SIZE > limit) {
    throw corruption(fileName, `block at offset ${handle.offset}: ${handle.size} bytes plus trailer run past ${limit}`)
  }
  let raw: Uint8Array
  try {
    raw = file.read(handle.offset, handle.size + BLOCK_TRAILER_SIZE)
  } catch (err) {
    if (err instanceof ShaleError && err.code === 'CORRUPTION') {
      throw corruption(fileName, `block at offset ${handle.offset}: short read (${err.message})`)
    }
    throw err
  }
  return checkBlock(raw, handle, fileName, verify, version)
}

export class TableReader {
  readonly fileName: string
  readonly stats: TableReaderStats = { blockReads: 0, cacheHits: 0, filterSkips: 0 }
  readonly #file: RandomAccessFile
  readonly #fileSize: number
  readonly #index: Block
  readonly #filter: Uint8Array | undefined
  readonly #properties: TableProperties
  readonly #cache: LruCache<string, Block> | undefined
  readonly #cachePrefix: string
  readonly #verify: boolean
  readonly #formatVersion: number
  readonly #search: BlockSearch
  /** Data blocks end where the footer begins. */
  readonly #dataLimit: number
  // Reused by get(), which never re-enters itself.
  readonly #getIndex: BlockCursor
  #getData: BlockCursor | undefined
  #target = new Uint8Array(64)
  #closed = false

  private constructor(
    file: RandomAccessFile,
    fileName: string,
    options: TableReaderOptions,
    formatVersion: number,
    index: Block,
    filter: Uint8Array | undefined,
    properties: TableProperties,
  ) {
    this.#file = file
    this.fileName = fileName
    this.#fileSize = file.size
    this.#dataLimit = file.size - FOOTER_SIZE
    this.#index = index
    this.#filter = filter
    this.#properties = properties
    this.#cache = options.blockCache
    this.#cachePrefix = `${options.cacheId}:`
    this.#verify = options.paranoidChecks
    this.#formatVersion = formatVersion
    this.#search = options.search
    this.#getIndex = new BlockCursor(index, compareInternalKeys, options.search, compareInternalKeyRange)
  }

  /**
   * Opens a table, reading only its footer and metadata blocks. The reader owns `file`
   * from here on (close() closes it), but not when open throws.
   */
  static open(file: RandomAccessFile, fileName: string, options: TableReaderOptions): TableReader {
    const footer = readFooter(file, fileName)
    const limit = file.size - FOOTER_SIZE
    const v = footer.version
    const index = new Block(readBlockContents(file, fileName, footer.index, limit, true, v), fileName, footer.index.offset)
    const propsBlock = new Block(readBlockContents(file, fileName, footer.properties, limit, true, v), fileName, footer.properties.offset)
    const properties = decodeProperties(propsBlock)
    // A damaged filter is reported rather than ignored: its checksum failing means the disk
    // is returning bad bytes, and the caller should hear about it.
    const filter = footer.filter.size > 0 ? readBlockContents(file, fileName, footer.filter, limit, true, v) : undefined
    return new TableReader(file, fileName, options, v, index, filter, properties)
  }

  get fileSize(): number {
    return this.#fileSize
  }

  /** The table format version in the footer (1 or 2). */
  get formatVersion(): number {
    return this.#formatVersion
  }

  properties(): TableProperties {
    return this.#properties
  }

  /** Whether the bloom filter admits userKey (true when the table has no filter). */
  mayContain(userKey: Uint8Array): boolean {
    return this.#filter === undefined || bloomMayContain(this.#filter, userKey)
  }

  /**
   * The newest entry for userKey with sequence <= seq, tombstones included; its value is a
   * view into the cached block. Unless the bloom filter rules the key out, counts the search
   * in `searched`.
   */
  get(userKey: Uint8Array, seq: number, searched?: SearchCounter): FoundEntry | undefined {
    if (this.#closed) throw this.#closedError()
    if (this.#filter !== undefined && !bloomMayContain(this.#filter, userKey)) {
      this.stats.filterSkips++
      return undefined
    }
    if (searched !== undefined) searched.tablesSearched++
    const target = this.#seekKey(userKey, seq)
    const index = this.#getIndex
    index.seek(target)
    if (!index.valid()) return undefined
    const data = (this.#getData ??= new BlockCursor(this.#index, compareInternalKeys, this.#search, compareInternalKeyRange))
    data.setBlock(this.dataBlock(this.indexHandle(index)))
    data.seek(target)
    // The index key promises an entry >= target in this block; if a damaged but
    // checksum-valid file breaks that promise, carry on into the next block like a cursor.
    while (!data.valid()) {
      index.next()
      if (!index.valid()) return undefined
      data.setBlock(this.dataBlock(this.indexHandle(index)))
      data.seekToFirst()
    }
    const n = data.keyLength - TRAILER_SIZE
    if (n !== userKey.length) return undefined
    const raw = data.keyBuffer
    for (let i = 0; i < n; i++) if (raw[i] !== userKey[i]) return undefined
    return { seq: sequenceAt(raw, n), kind: raw[n] as ValueKind, value: data.value() }
  }

  /** A cursor over every entry; onClose runs once when it is closed. */
  iterator(onClose?: () => void): InternalIterator {
    if (this.#closed) throw this.#closedError()
    return new TableIterator(this, new BlockCursor(this.#index, compareInternalKeys, this.#search, compareInternalKeyRange), this.#search, onClose)
  }

  /** The data block a handle points at, from the cache or the file. For cursors. */
  dataBlock(handle: BlockHandle): Block {
    const cache = this.#cache
    const key = cache === undefined ? '' : this.#cachePrefix + handle.offset
    if (cache !== undefined) {
      const hit = cache.get(key)
      if (hit !== undefined) {
        this.stats.cacheHits++
        return hit
      }
    }
    const contents = readBlockContents(this.#file, this.fileName, handle, this.#dataLimit, this.#verify, this.#formatVersion)
    this.stats.blockReads++
    // Cached decompressed, so a hit costs no decoding; the charge is the decompressed size.
    const block = new Block(contents, this.fileName, handle.offset)
    cache?.set(key, block, block.byteLength)
    return block
  }

  /** Decodes the block handle an index cursor points at. For cursors. */
  indexHandle(index: BlockCursor): BlockHandle {
    try {
      return decodeBlockHandle(index.value())
    } catch (err) {
      throw this.#index.corrupt(`bad block handle in index entry: ${(err as Error).message}`)
    }
  }

  /** Closes the file and drops this reader's blocks from the cache. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    const cache = this.#cache
    if (cache !== undefined && cache.size > 0) {
      try {
        const index = new BlockCursor(this.#index, compareInternalKeys)
        for (index.seekToFirst(); index.valid(); index.next()) cache.delete(this.#cachePrefix + decodeBlockHandle(index.value()).offset)
      } catch {
        // A damaged index only means some blocks age out of the cache instead.
      }
    }
    this.#file.close()
  }

  get closed(): boolean {
    return this.#closed
  }

  #closedError(): ShaleError {
    return closedError('database', `Cannot read ${this.fileName}: the table reader is closed`)
  }

  /** (userKey, seq) as an encoded internal key in a reused buffer. */
  #seekKey(userKey: Uint8Array, seq: number): Uint8Array {
    const n = userKey.length + TRAILER_SIZE
    if (n > this.#target.length) this.#target = new Uint8Array(Math.max(n, this.#target.length * 2))
    copyInto(this.#target, userKey)
    // The kind does not take part in ordering; any value works for a seek target.
    writeTrailer(this.#target, userKey.length, seq, 0)
    return this.#target.subarray(0, n)
  }
}

/** Two-level cursor: the index cursor picks a data block, a block cursor walks it. */
class TableIterator implements InternalIterator {
  readonly #reader: TableReader
  readonly #index: BlockCursor
  readonly #data: BlockCursor
  /** Offset of the block #data is on, so moving within one block skips the cache. */
  #blockOffset = -1
  #userKey: Uint8Array | undefined
  #target = new Uint8Array(64)
  #onClose: (() => void) | undefined
  #closed = false

  constructor(reader: TableReader, index: BlockCursor, search: BlockSearch, onClose: (() => void) | undefined) {
    this.#reader = reader
    this.#index = index
    // Starts on the index block only as a placeholder; it is invalid until positioned.
    this.#data = new BlockCursor(index.block, compareInternalKeys, search, compareInternalKeyRange)
    this.#onClose = onClose
  }

  valid(): boolean {
    return this.#data.valid()
  }

  key(): Uint8Array {
    return (this.#userKey ??= this.#data.keyBuffer.subarray(0, this.#data.keyLength - TRAILER_SIZE))
  }

  seq(): number {
    return sequenceAt(this.#data.keyBuffer, this.#data.keyLength - TRAILER_SIZE)
  }

  kind(): ValueKind {
    return this.#data.keyBuffer[this.#data.keyLength - TRAILER_SIZE] as ValueKind
  }

  value(): Uint8Array {
    return this.#data.value()
  }

  seekToFirst(): void {
    this.#check()
    this.#index.seekToFirst()
    if (this.#loadBlock()) this.#data.seekToFirst()
    this.#skipForward()
  }

  seekToLast(): void {
    this.#check()
    this.#index.seekToLast()
    if (this.#loadBlock()) this.#data.seekToLast()
    this.#skipBackward()
  }

  seek(userKey: Uint8Array, seq: number): void {
    this.#check()
    const target = this.#seekKey(userKey, seq)
    // The first block whose last key is >= target holds the answer, if any block does.
    this.#index.seek(target)
    if (this.#loadBlock()) this.#data.seek(target)
    this.#skipForward()
  }

  seekForPrev(userKey: Uint8Array, seq: number): void {
    this.#check()
    const target = this.#seekKey(userKey, seq)
    // Blocks before the one seek() picks end below target, so the answer is in that block
    // or, when all its entries are above target, is the previous block's last entry.
    this.#index.seek(target)
    if (!this.#index.valid()) {
      this.#index.seekToLast()
      if (this.#loadBlock()) this.#data.seekToLast()
    } else if (this.#loadBlock()) {
      this.#data.seekForPrev(target)
    }
    this.#skipBackward()
  }

  next(): void {
    this.#check()
    this.#data.next()
    this.#skipForward()
  }

  prev(): void {
    this.#check()
    this.#data.prev()
    this.#skipBackward()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#data.invalidate()
    const onClose = this.#onClose
    this.#onClose = undefined
    onClose?.()
  }

  #check(): void {
    if (this.#closed) throw closedError('iterator', `Cannot move a closed iterator over ${this.#reader.fileName}`)
  }

  /** Points #data at the index cursor's block (invalid position); false when the index is exhausted. */
  #loadBlock(): boolean {
    if (!this.#index.valid()) {
      this.#data.invalidate()
      return false
    }
    const handle = this.#reader.indexHandle(this.#index)
    if (handle.offset !== this.#blockOffset) {
      // Forget the offset first: if loading throws, a retry must not trust a stale block.
      this.#blockOffset = -1
      this.#data.setBlock(this.#reader.dataBlock(handle))
      this.#blockOffset = handle.offset
    } else {
      this.#data.invalidate()
    }
    return true
  }

  #skipForward(): void {
    while (!this.#data.valid()) {
      if (!this.#index.valid()) break
      this.#index.next()
      if (!this.#loadBlock()) break
      this.#data.seekToFirst()
    }
    this.#settle()
  }

  #skipBackward(): void {
    while (!this.#data.valid()) {
      if (!this.#index.valid()) break
      this.#index.prev()
      if (!this.#loadBlock()) break
      this.#data.seekToLast()
    }
    this.#settle()
  }

  /** Forgets per-position state and rejects keys too short to be internal keys. */
  #settle(): void {
    this.#userKey = undefined
    const length = this.#data.keyLength
    if (this.#data.valid() && length < TRAILER_SIZE) {
      this.#data.invalidate()
      throw this.#data.block.corrupt(`entry key of ${length} bytes is shorter than an internal key`)
    }
  }

  #seekKey(userKey: Uint8Array, seq: number): Uint8Array {
    const n = userKey.length + TRAILER_SIZE
    if (n > this.#target.length) this.#target = new Uint8Array(Math.max(n, this.#target.length * 2))
    copyInto(this.#target, userKey)
    writeTrailer(this.#target, userKey.length, seq, 0)
    return this.#target.subarray(0, n)
  }
}
