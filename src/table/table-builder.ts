// Writes one SSTable from entries that arrive in internal-key order. File layout
// (docs/format.md#table): data blocks, filter block, properties block, index block, footer;
// every block is followed by its 5-byte trailer. Data blocks are LZ4-compressed when that
// saves at least an eighth of their size.

import type { WritableFile } from '../vfs/file-system.js'
import { ValueKind, compareInternal, encodeInternalKey, writeTrailer, TRAILER_SIZE, MAX_SEQUENCE } from '../base/internal-key.js'
import type { RangeTombstone } from '../base/range-tombstones.js'
import { ByteWriter } from '../util/coding.js'
import { bytesEqual, compareBytes } from '../util/bytes.js'
import { BlockBuilder } from './block-builder.js'
import { bloomHash, buildBloomFilter } from './bloom.js'
import { type BlockHandle, CompressionType, compressForStorage, encodeBlockHandle, encodeFooter, encodeProperties, PLAIN_TABLE_FORMAT_VERSION, TABLE_FORMAT_VERSION, writeBlockTrailer } from './format.js'

export interface TableBuilderOptions {
  /** Target size of a data block's contents, in bytes. */
  blockSize: number
  restartInterval: number
  /** 0 writes no filter. */
  bloomBitsPerKey: number
  /** How data blocks are stored (default 'lz4'; 'none' stores every block as is). */
  compression?: 'lz4' | 'none'
}

export interface TableBuildResult {
  fileSize: number
  entries: number
  deletions: number
  /** Range tombstones in the range-deletion block. */
  rangeDeletions: number
  dataBlocks: number
  /** User key and sequence of the first entry (or range tombstone start, when smaller). */
  smallestKey: Uint8Array
  smallestSeq: number
  /** User key and sequence of the last entry. */
  largestKey: Uint8Array
  largestSeq: number
  /** Lowest and highest sequence number anywhere in the table. */
  minSeq: number
  maxSeq: number
}

/** Output is gathered into chunks of about this size before each file.append. */
const APPEND_CHUNK = 64 * 1024

export class TableBuilder {
  readonly #file: WritableFile
  readonly #fileName: string
  readonly #blockSize: number
  readonly #bloomBitsPerKey: number
  readonly #compress: boolean
  /** Where data blocks are compressed; grown to the largest block seen. */
  #compressed = new Uint8Array(0)
  readonly #data: BlockBuilder
  readonly #index = new BlockBuilder(1, 1024)
  readonly #pending = new ByteWriter(APPEND_CHUNK + 8192)
  readonly #handleScratch = new ByteWriter(32)
  /** File offset of the first byte in #pending. */
  #flushedTo: number

  // Two key buffers that swap roles, so the previous internal key stays readable for the
  // order check without allocating per entry.
  #key = new Uint8Array(64)
  #prevKey = new Uint8Array(64)
  #prevUserKeyLength = -1
  #prevSeq = 0

  #hashes = new Uint32Array(1024)
  #hashCount = 0

  #entries = 0
  #deletions = 0
  #dataBlocks = 0
  #rawKeyBytes = 0
  #rawValueBytes = 0
  #minSeq = MAX_SEQUENCE
  #maxSeq = 0
  #smallestKey: Uint8Array | undefined
  #smallestSeq = 0
  readonly #rangeTombstones: RangeTombstone[] = []
  #state: 'open' | 'finished' | 'failed' = 'open'

  constructor(file: WritableFile, options: TableBuilderOptions, fileName: string) {
    const { blockSize, restartInterval, bloomBitsPerKey, compression = 'lz4' } = options
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`Cannot build ${fileName}: block size ${blockSize} is not a positive integer`)
    if (!(bloomBitsPerKey >= 0)) throw new RangeError(`Cannot build ${fileName}: bloomBitsPerKey ${bloomBitsPerKey} is negative`)
    if (compression !== 'lz4' && compression !== 'none') throw new RangeError(`Cannot build ${fileName}: unknown compression ${String(compression)}`)
    this.#file = file
    this.#fileName = fileName
    this.#blockSize = blockSize
    this.#bloomBitsPerKey = bloomBitsPerKey
    this.#compress = compression === 'lz4'
    this.#data = new BlockBuilder(restartInterval, Math.min(blockSize, 1 << 20) + 1024)
    // Offsets are absolute, so a file that already holds bytes would still be consistent,
    // but a table reader expects the table to start at offset 0.
    this.#flushedTo = file.size
  }

  get entries(): number {
    return this.#entries
  }

  /** The user key of the last entry added (a view), or undefined before the first. */
  lastUserKey(): Uint8Array | undefined {
    return this.#prevUserKeyLength < 0 ? undefined : this.#prevKey.subarray(0, this.#prevUserKeyLength)
  }

  /**
   * Adds a range tombstone [start, end) at seq, in any order relative to entries and other
   * tombstones (they go to the range-deletion block, sorted, at finish). The table's bounds
   * grow to cover it. Empty ranges are ignored.
   */
  addRangeTombstone(start: Uint8Array, end: Uint8Array, seq: number): void {
    if (this.#state !== 'open') throw new Error(`Cannot add to ${this.#fileName}: the table builder is ${this.#state}`)
    if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQUENCE) throw new RangeError(`Cannot add to ${this.#fileName}: bad sequence number ${seq}`)
    if (compareBytes(start, end) >= 0) return
    this.#rangeTombstones.push({ start: start.slice(), end: end.slice(), seq })
    if (seq < this.#minSeq) this.#minSeq = seq
    if (seq > this.#maxSeq) this.#maxSeq = seq
  }

  /**
   * Adds an entry. REQUIRES: (userKey, seq) sorts strictly after the previous entry in
   * internal order (user key ascending, sequence descending); violations throw.
   */
  add(userKey: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): void {
    if (this.#state !== 'open') throw new Error(`Cannot add to ${this.#fileName}: the table builder is ${this.#state}`)
    if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQUENCE) throw new RangeError(`Cannot add to ${this.#fileName}: bad sequence number ${seq}`)
    if (kind !== ValueKind.Value && kind !== ValueKind.Deletion) throw new RangeError(`Cannot add to ${this.#fileName}: bad value kind ${String(kind)}`)

    let newUserKey = true
    if (this.#prevUserKeyLength >= 0) {
      const prevUserKey = this.#prevKey.subarray(0, this.#prevUserKeyLength)
      const c = compareInternal(userKey, seq, prevUserKey, this.#prevSeq)
      if (c <= 0) {
        throw new Error(`Cannot add to ${this.#fileName}: entry (seq ${seq}) does not sort after the previous entry (seq ${this.#prevSeq})`)
      }
      newUserKey = !bytesEqual(userKey, prevUserKey)
    }

    const ikeyLength = userKey.length + TRAILER_SIZE
    if (ikeyLength > this.#key.length) this.#key = new Uint8Array(Math.max(ikeyLength, this.#key.length * 2))
    this.#key.set(userKey, 0)
    writeTrailer(this.#key, userKey.length, seq, kind)
    const ikey = this.#key.subarray(0, ikeyLength)

    try {
      // An entry that alone fills a block gets a block of its own, so lookups of its
      // neighbours never have to read it.
      // 15: the entry's three varint32 lengths (shared, unshared, value) at 5 bytes at most each.
      const entrySize = ikeyLength + value.length + 15
      if (entrySize >= this.#blockSize && !this.#data.isEmpty()) this.#flushDataBlock()

      this.#data.add(ikey, value)
      if (this.#entries === 0) {
        this.#smallestKey = userKey.slice()
        this.#smallestSeq = seq
      }
      if (newUserKey && this.#bloomBitsPerKey > 0) this.#addHash(bloomHash(userKey))
      this.#entries++
      if (kind === ValueKind.Deletion) this.#deletions++
      this.#rawKeyBytes += userKey.length
      this.#rawValueBytes += value.length
      if (seq < this.#minSeq) this.#minSeq = seq
      if (seq > this.#maxSeq) this.#maxSeq = seq

      const swap = this.#prevKey
      this.#prevKey = this.#key
      this.#key = swap
      this.#prevUserKeyLength = userKey.length
      this.#prevSeq = seq

      if (this.#data.estimatedSize() >= this.#blockSize) this.#flushDataBlock()
    } catch (err) {
      this.#state = 'failed'
      throw err
    }
  }

  /**
   * Bytes written so far plus the data block being built; the metadata is not counted.
   * Written blocks count as stored (compressed), so output files cut at a target size are
   * that size on disk; only the one block in progress counts uncompressed.
   */
  estimatedFileSize(): number {
    return this.#flushedTo + this.#pending.length + (this.#data.isEmpty() ? 0 : this.#data.estimatedSize())
  }

  /**
   * Writes the remaining data block, the filter, properties and index blocks and the footer
   * through file.append. The caller syncs and closes the file. A table must hold at least
   * one entry: an empty table has no smallest or largest key to record, so it throws.
   */
  finish(): TableBuildResult {
    if (this.#state !== 'open') throw new Error(`Cannot finish ${this.#fileName}: the table builder is ${this.#state}`)
    const tombstones = this.#rangeTombstones
    if (this.#entries === 0 && tombstones.length === 0) throw new Error(`Cannot finish ${this.#fileName}: a table needs at least one entry or range tombstone`)
    // Sorted by start, then newest first: the order of their internal keys.
    tombstones.sort((a, b) => compareInternal(a.start, a.seq, b.start, b.seq))
    let rangeDeletions: BlockHandle | undefined
    try {
      this.#flushDataBlock()

      let filter: BlockHandle = { offset: 0, size: 0 }
      // Metadata blocks stay uncompressed: the filter is bit noise that LZ4 cannot shrink,
      // and the index and properties are a few percent of the file, read once per open and
      // then held decoded, so compressing them would save little disk for a cost at every
      // open. (Readers would accept them compressed; see docs/format.md.)
      if (this.#bloomBitsPerKey > 0) {
        filter = this.#writeBlock(buildBloomFilter(this.#hashes.subarray(0, this.#hashCount), this.#bloomBitsPerKey), false)
      }
      if (tombstones.length > 0) {
        // key: internal key (start, seq, RangeDeletion); value: the exclusive end.
        const block = new BlockBuilder(1, 256)
        for (const t of tombstones) block.add(encodeInternalKey(t.start, t.seq, ValueKind.RangeDeletion), t.end)
        rangeDeletions = this.#writeBlock(block.finish(), false)
      }
      const properties = this.#writeBlock(this.#propertiesBlock(rangeDeletions), false)
      const index = this.#writeBlock(this.#index.finish(), false)
      const version = rangeDeletions === undefined ? PLAIN_TABLE_FORMAT_VERSION : TABLE_FORMAT_VERSION
      this.#pending.bytes(encodeFooter({ filter, index, properties }, version))
      this.#flushPending()
      this.#state = 'finished'
    } catch (err) {
      this.#state = 'failed'
      throw err
    }
    // Bounds cover the tombstones too. A tombstone's end is exclusive: when it is some key's
    // successor (that key and a zero byte, as compactions cut tombstones between two output
    // tables) the largest key it covers is exactly that key, so it is recorded; otherwise the
    // end itself is, and the table looks one key wider than it is, which every use of bounds
    // (overlap tests) tolerates (docs/format.md#applying-a-version-edit). Exactness matters
    // at a cut: the next table starts at the successor, and two tables of one level must not
    // share a bound, or a get of that key would search only the first.
    let smallestKey: Uint8Array | undefined = this.#smallestKey
    let smallestSeq = this.#smallestSeq
    let largestKey: Uint8Array | undefined = this.#entries > 0 ? this.#prevKey.slice(0, this.#prevUserKeyLength) : undefined
    let largestSeq = this.#prevSeq
    for (const t of tombstones) {
      if (smallestKey === undefined || compareBytes(t.start, smallestKey) < 0) [smallestKey, smallestSeq] = [t.start, t.seq]
      const last = largestCoveredBound(t.end)
      if (largestKey === undefined || compareBytes(last, largestKey) > 0) [largestKey, largestSeq] = [last, t.seq]
    }
    return {
      fileSize: this.#flushedTo,
      entries: this.#entries,
      deletions: this.#deletions,
      rangeDeletions: tombstones.length,
      dataBlocks: this.#dataBlocks,
      smallestKey: smallestKey!,
      smallestSeq,
      largestKey: largestKey!,
      largestSeq,
      minSeq: this.#minSeq,
      maxSeq: this.#maxSeq,
    }
  }

  /** Stops building without writing anything more; the caller deletes the file. */
  abandon(): void {
    if (this.#state === 'open') this.#state = 'failed'
  }

  #addHash(h: number): void {
    if (this.#hashCount === this.#hashes.length) {
      const grown = new Uint32Array(this.#hashes.length * 2)
      grown.set(this.#hashes)
      this.#hashes = grown
    }
    this.#hashes[this.#hashCount++] = h
  }

  #flushDataBlock(): void {
    if (this.#data.isEmpty()) return
    // Index key: the block's last internal key. A shorter separator between this block and
    // the next would make the index smaller; that is a possible later optimization.
    const lastKey = this.#data.lastKey()
    const handle = this.#writeBlock(this.#data.finish(), this.#compress)
    const scratch = this.#handleScratch
    scratch.reset()
    encodeBlockHandle(scratch, handle)
    this.#index.add(lastKey, scratch.view())
    this.#data.reset()
    this.#dataBlocks++
  }

  /**
   * Queues a block as stored (compressed when asked and worthwhile) + trailer for writing;
   * returns the block's handle, which points at the stored bytes.
   */
  #writeBlock(contents: Uint8Array, compress: boolean): BlockHandle {
    let stored = contents
    let type: CompressionType = CompressionType.None
    if (compress) {
      if (this.#compressed.length < contents.length) this.#compressed = new Uint8Array(Math.max(contents.length, 2 * this.#compressed.length))
      const packed = compressForStorage(contents, this.#compressed)
      if (packed !== undefined) {
        stored = packed
        type = CompressionType.Lz4
      }
    }
    const handle = { offset: this.#flushedTo + this.#pending.length, size: stored.length }
    if (stored.length >= APPEND_CHUNK) {
      // Large blocks go straight to the file rather than being copied into #pending.
      this.#flushPending()
      this.#file.append(stored)
      this.#flushedTo += stored.length
    } else {
      this.#pending.bytes(stored)
    }
    writeBlockTrailer(this.#pending, stored, type)
    if (this.#pending.length >= APPEND_CHUNK) this.#flushPending()
    return handle
  }

  #flushPending(): void {
    if (this.#pending.length === 0) return
    this.#file.append(this.#pending.view())
    this.#flushedTo += this.#pending.length
    this.#pending.reset()
  }

  #propertiesBlock(rangeDeletions: BlockHandle | undefined): Uint8Array {
    return encodeProperties({
      ...(rangeDeletions === undefined
        ? {}
        : { rangeDeletions: this.#rangeTombstones.length, rangeDeletionOffset: rangeDeletions.offset, rangeDeletionSize: rangeDeletions.size }),
      entries: this.#entries,
      deletions: this.#deletions,
      dataBlocks: this.#dataBlocks,
      rawKeyBytes: this.#rawKeyBytes,
      rawValueBytes: this.#rawValueBytes,
      smallestSeq: this.#minSeq,
      largestSeq: this.#maxSeq,
    })
  }
}

/** The inclusive bound recorded for a tombstone ending (exclusively) at end; see finish(). */
function largestCoveredBound(end: Uint8Array): Uint8Array {
  return end.length > 0 && end[end.length - 1] === 0 ? end.subarray(0, end.length - 1) : end
}
