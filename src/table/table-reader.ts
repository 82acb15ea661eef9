// Reads an SSTable: open() loads the footer, the index (decoded into flat arrays), the filter
// and the properties; data blocks are read on demand, checksummed, decompressed and kept
// (decompressed) in the shared block cache. get() answers point lookups; iterator() is a
// TableIterator (table-iterator.ts).

import { ShaleError, closedError, corruption } from '../errors.js'
import type { RandomAccessFile } from '../vfs/file-system.js'
import type { FoundEntry } from '../base/found-entry.js'
import type { InternalIterator } from '../base/internal-iterator.js'
import { ValueKind, SeekKeyBuffer, compareInternalKeyRange, compareInternalKeys, kindOf, sequenceAt, sequenceOf, userKeyOf, TRAILER_SIZE } from '../base/internal-key.js'
import { RangeTombstoneSet, type RangeTombstone } from '../base/range-tombstones.js'
import { compareBytes } from '../util/bytes.js'
import { Block, BlockCursor, type BlockSearch } from './block.js'
import { ABSENT, BlockGetResult, FOUND, USE_CURSOR, blockGet } from './block-get.js'
import type { BlockCache, CachedBlock } from './block-cache.js'
import { bloomHash, bloomMayContain, bloomMayContainHash } from './bloom.js'
import {
  type BlockHandle,
  type TableProperties,
  BLOCK_TRAILER_SIZE,
  FOOTER_SIZE,
  checkBlock,
  decodeProperties,
  readFooter,
} from './format.js'
import { TableIndex } from './table-index.js'
import { type CacheFill, TableIterator } from './table-iterator.js'

export interface TableReaderOptions {
  /**
   * Shared cache of parsed data blocks; undefined disables it. Blocks are cached
   * decompressed and charged their decompressed size.
   */
  blockCache: BlockCache | undefined
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
  /** Blocks a cursor read and, by its cache-fill policy, did not insert into the cache. */
  scanBlocksNotCached: number
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

/**
 * Reads the range-deletion block the properties name, if any: entries keyed by the internal
 * key (start, seq, RangeDeletion) in order, each valued with the exclusive end.
 */
function readRangeTombstones(file: RandomAccessFile, fileName: string, props: TableProperties, limit: number, version: number): RangeTombstoneSet {
  if (props.rangeDeletions === undefined) return RangeTombstoneSet.EMPTY
  if (version < 3) throw corruption(fileName, `a version ${version} table cannot have a range-deletion block`)
  const handle = { offset: props.rangeDeletionOffset!, size: props.rangeDeletionSize! }
  const block = new Block(readBlockContents(file, fileName, handle, limit, true, version), fileName, handle.offset)
  const list: RangeTombstone[] = []
  const cursor = new BlockCursor(block, compareInternalKeys, 'binary', compareInternalKeyRange)
  let previous: Uint8Array | undefined
  for (cursor.seekToFirst(); cursor.valid(); cursor.next()) {
    const ikey = cursor.key().slice()
    if (ikey.length < TRAILER_SIZE || kindOf(ikey) !== ValueKind.RangeDeletion) throw block.corrupt(`range-deletion entry ${list.length} is not a range deletion key`)
    if (previous !== undefined && compareInternalKeys(previous, ikey) >= 0) throw block.corrupt(`range-deletion entry ${list.length} is out of order`)
    previous = ikey
    const start = userKeyOf(ikey)
    const end = cursor.value().slice()
    if (compareBytes(start, end) >= 0) throw block.corrupt(`range-deletion entry ${list.length} has an empty range`)
    list.push({ start, end, seq: sequenceOf(ikey) })
  }
  if (list.length !== props.rangeDeletions) throw block.corrupt(`holds ${list.length} range deletions, the properties say ${props.rangeDeletions}`)
  return RangeTombstoneSet.build(list)
}

export class TableReader {
  readonly fileName: string
  readonly stats: TableReaderStats = { blockReads: 0, cacheHits: 0, filterSkips: 0, scanBlocksNotCached: 0 }
  readonly #file: RandomAccessFile
  readonly #fileSize: number
  readonly #index: TableIndex
  readonly #filter: Uint8Array | undefined
  readonly #properties: TableProperties
  readonly #rangeTombstones: RangeTombstoneSet
  readonly #cache: BlockCache | undefined
  /** This table's cached blocks by block number; the cache empties slots it evicts. */
  readonly #cached: (CachedBlock | undefined)[]
  readonly #verify: boolean
  readonly #formatVersion: number
  readonly #search: BlockSearch
  /** Data blocks end where the footer begins. */
  readonly #dataLimit: number
  // Reused by get(), which never re-enters itself.
  readonly #found = new BlockGetResult()
  #getData: BlockCursor | undefined
  readonly #seekKey = new SeekKeyBuffer()
  #closed = false

  /** The open file: a checkpoint copies a table from it when its name is already gone (a read-only handle's, deleted by the writer). */
  get file(): RandomAccessFile {
    return this.#file
  }

  private constructor(
    file: RandomAccessFile,
    fileName: string,
    options: TableReaderOptions,
    formatVersion: number,
    index: TableIndex,
    filter: Uint8Array | undefined,
    properties: TableProperties,
    rangeTombstones: RangeTombstoneSet,
  ) {
    this.#file = file
    this.#rangeTombstones = rangeTombstones
    this.fileName = fileName
    this.#fileSize = file.size
    this.#dataLimit = file.size - FOOTER_SIZE
    this.#index = index
    this.#filter = filter
    this.#properties = properties
    this.#cache = options.blockCache
    this.#cached = options.blockCache === undefined ? [] : new Array<CachedBlock | undefined>(index.count).fill(undefined)
    this.#verify = options.paranoidChecks
    this.#formatVersion = formatVersion
    this.#search = options.search
  }

  /**
   * Opens a table, reading only its footer and metadata blocks. The reader owns `file`
   * from here on (close() closes it), but not when open throws.
   */
  static open(file: RandomAccessFile, fileName: string, options: TableReaderOptions): TableReader {
    const footer = readFooter(file, fileName)
    const limit = file.size - FOOTER_SIZE
    const v = footer.version
    const index = TableIndex.decode(new Block(readBlockContents(file, fileName, footer.index, limit, true, v), fileName, footer.index.offset))
    const propsBlock = new Block(readBlockContents(file, fileName, footer.properties, limit, true, v), fileName, footer.properties.offset)
    const properties = decodeProperties(propsBlock)
    // A damaged filter is reported rather than ignored: its checksum failing means the disk
    // is returning bad bytes, and the caller should hear about it.
    const filter = footer.filter.size > 0 ? readBlockContents(file, fileName, footer.filter, limit, true, v) : undefined
    const tombstones = readRangeTombstones(file, fileName, properties, limit, v)
    return new TableReader(file, fileName, options, v, index, filter, properties, tombstones)
  }

  /** The table's range tombstones (version 3 tables may have some), read and checked at open. */
  rangeTombstones(): RangeTombstoneSet {
    return this.#rangeTombstones
  }

  get fileSize(): number {
    return this.#fileSize
  }

  /** The table format version in the footer (1 to 3). */
  get formatVersion(): number {
    return this.#formatVersion
  }

  /** Number of data blocks. */
  get blockCount(): number {
    return this.#index.count
  }

  /** The block search data-block cursors of this table use. */
  get search(): BlockSearch {
    return this.#search
  }

  properties(): TableProperties {
    return this.#properties
  }

  /** Whether the bloom filter admits userKey (true when the table has no filter). */
  mayContain(userKey: Uint8Array): boolean {
    return this.#filter === undefined || bloomMayContain(this.#filter, userKey)
  }

  /**
   * The newest entry for userKey with sequence <= seq, tombstones included. `hash` is
   * bloomHash(userKey), passed in by a caller that probes several tables with one key.
   */
  get(userKey: Uint8Array, seq: number, searched?: SearchCounter, hash?: number): FoundEntry | undefined {
    if (this.#closed) throw this.#closedError()
    if (this.#filter !== undefined && !bloomMayContainHash(this.#filter, hash ?? bloomHash(userKey))) {
      this.stats.filterSkips++
      return undefined
    }
    if (searched !== undefined) searched.tablesSearched++
    const target = this.#seekKey.encode(userKey, seq)
    let block = this.#findBlock(target)
    if (block >= this.#index.count) return undefined
    const first = this.blockAt(block)
    const found = this.#found
    const outcome = blockGet(first, target, userKey, seq, this.#search === 'linear', found)
    if (outcome === FOUND) return { seq: found.seq, kind: found.kind, value: first.data.subarray(found.valueStart, found.valueEnd) }
    if (outcome === ABSENT) return undefined
    let data = this.#getData
    if (data === undefined) data = this.#getData = new BlockCursor(first, compareInternalKeys, this.#search, compareInternalKeyRange)
    else data.setBlock(first)
    if (outcome === USE_CURSOR) data.seek(target)
    // The index key promises an entry >= target in this block; if a damaged but
    // checksum-valid file breaks that promise, carry on into the next block like a cursor.
    while (!data.valid()) {
      if (++block >= this.#index.count) return undefined
      data.setBlock(this.blockAt(block))
      data.seekToFirst()
    }
    const n = data.keyLength - TRAILER_SIZE
    if (n !== userKey.length) return undefined
    const raw = data.keyBuffer
    for (let i = 0; i < n; i++) if (raw[i] !== userKey[i]) return undefined
    return { seq: sequenceAt(raw, n), kind: raw[n] as ValueKind, value: data.value() }
  }

  /** A cursor over every entry; onClose runs once when it is closed. `fill`: which blocks it caches. */
  iterator(onClose?: () => void, fill: CacheFill = 'all'): InternalIterator {
    if (this.#closed) throw this.#closedError()
    return new TableIterator(this, onClose, fill)
  }

  /** blockAt for a cursor whose policy may leave the block out of the cache (`fill` false). */
  scanBlockAt(block: number, fill: boolean): Block {
    if (fill || this.#cached[block] !== undefined) return this.blockAt(block)
    this.stats.scanBlocksNotCached++
    return this.#readBlock(block)
  }

  /** The first data block whose last key is >= the internal key target (blockCount if none). For cursors. */
  findBlock(target: Uint8Array): number {
    return this.#findBlock(target)
  }

  #findBlock(target: Uint8Array): number {
    return this.#search === 'linear' ? this.#index.findLinear(target) : this.#index.find(target)
  }

  /** Data block number `block` (< blockCount), from the cache or the file. For cursors. */
  blockAt(block: number): Block {
    const cached = this.#cached[block]
    if (cached !== undefined) {
      cached.referenced = true
      this.stats.cacheHits++
      return cached.block
    }
    // Cached decompressed, so a hit costs no decoding; the charge is the decompressed size.
    const decoded = this.#readBlock(block)
    this.#cache?.insert(this.#cached, block, decoded)
    return decoded
  }

  /** Data block `block` read from the file: checked, decompressed and parsed, not cached. */
  #readBlock(block: number): Block {
    if (this.#closed) throw this.#closedError()
    const index = this.#index
    const handle = { offset: index.offset(block), size: index.size(block) }
    const contents = readBlockContents(this.#file, this.fileName, handle, this.#dataLimit, this.#verify, this.#formatVersion)
    this.stats.blockReads++
    return new Block(contents, this.fileName, handle.offset)
  }

  /** Closes the file and drops this reader's blocks from the cache. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#cache?.dropAll(this.#cached)
    this.#file.close()
  }

  get closed(): boolean {
    return this.#closed
  }

  #closedError(): ShaleError {
    return closedError('database', `Cannot read ${this.fileName}: the table reader is closed`)
  }

}
