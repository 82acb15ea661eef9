// LogReader reassembles the records of a log file, one 32 KiB block in memory at a time,
// and reports damage (bad checksums, impossible framing, torn tails) as values rather than
// exceptions: log-records.ts decides whether damage is a torn tail or mid-log corruption.
//
// Guarantees: next() throws only when the file itself fails to read (I/O); it never returns
// a record any of whose chunks failed its checksum. The reader does not own the file.

import { EMPTY_BYTES, lastNonZero } from '../util/bytes.js'
import { crc32c, unmaskCrc } from '../util/crc32c.js'
import type { RandomAccessFile } from '../vfs/file-system.js'
import { BLOCK_SIZE, HEADER_SIZE, MAX_RECORD_TYPE, RecordType } from './log-format.js'

export type LogReadResult =
  /** `offset` is where the record's first chunk (its header) starts in the file. */
  | { type: 'record'; record: Uint8Array; offset: number }
  | { type: 'eof' }
  /**
   * `offset` is where the dropped bytes begin: the first chunk of a record that was being
   * reassembled, otherwise the damaged chunk itself. Every record before it was returned
   * intact, so a tail cut at `offset` keeps all of them. `truncated`: the only problem is
   * that the file ends (or turns to zeros) part-way through a record, as a torn write
   * leaves it; false when stored bytes fail a check (a checksum, a length, a type).
   */
  | { type: 'damage'; offset: number; reason: string; truncated: boolean }

const EOF: LogReadResult = Object.freeze({ type: 'eof' })

// Results of #readChunk besides the chunk types 1..4.
const END_OF_FILE = -1
/** The rest of the block cannot be parsed (framing lost, or the file ends mid-chunk). */
const BAD_BLOCK = -2
/** A chunk with a valid checksum but an unknown type; framing is intact after it. */
const BAD_CHUNK = -3

const TYPE_NAMES = ['zero', 'FULL', 'FIRST', 'MIDDLE', 'LAST']

/** How much of a file's end is read at a time when looking for where its zeros begin. */
const ZERO_SCAN_PIECE = 64 * 1024

export class LogReader {
  readonly fileName: string
  readonly #file: RandomAccessFile
  readonly #fileSize: number
  /** The block in memory and its file offset; the last block of a file may be short. */
  #block: Uint8Array = EMPTY_BYTES
  #blockStart = -BLOCK_SIZE
  /** Next unread byte of #block. */
  #pos = BLOCK_SIZE
  /** The chunk #readChunk last returned. */
  #chunkOffset = 0
  #chunkStart = 0
  #chunkLength = 0
  /** Why #readChunk returned BAD_BLOCK or BAD_CHUNK, and where; see LogReadResult's `truncated`. */
  #problem = ''
  #problemOffset = 0
  #problemTruncated = false
  /** Fragments of the record being reassembled; #recordStart is -1 when there is none. */
  readonly #parts: Uint8Array[] = []
  #partsLength = 0
  #recordStart = -1
  /** After damage: skip silently until a FULL or FIRST chunk with a valid checksum. */
  #resyncing = false
  /** Where the zeros that run to the end of the file begin; computed when first needed. */
  #zeroTail = -1
  /** Set when the log ended at zeros that run to the end of the file. */
  #ended = false

  /**
   * Reads from `startOffset`, which must be where a record begins (0, or a `position` this
   * class reported): a reader following a growing log resumes after the last record it saw.
   */
  constructor(file: RandomAccessFile, fileName: string, startOffset = 0) {
    this.#file = file
    this.#fileSize = file.size
    this.fileName = fileName
    if (startOffset > 0) {
      const blockStart = startOffset - (startOffset % BLOCK_SIZE)
      this.#blockStart = blockStart
      // Past the end there is nothing to read yet: position 0 of an empty block reads as EOF.
      this.#pos = 0
      if (blockStart < this.#fileSize) {
        this.#block = file.read(blockStart, Math.min(BLOCK_SIZE, this.#fileSize - blockStart))
        this.#pos = startOffset - blockStart
      }
    }
  }

  /** The file offset just past the last chunk read: after a record, where the next one begins. */
  get position(): number {
    return this.#blockStart + this.#pos
  }

  /**
   * The next record, damage report, or end of file. After a damage report the next call
   * resynchronises: it skips the unparseable rest of the damaged block, then any fragments
   * whose record began before the damage, and resumes at the next FULL or FIRST chunk.
   * Problems met while resynchronising are not reported separately, so a caller sees
   * "damage, eof" for a torn tail and "damage, record..." when valid data follows.
   *
   * A FULL record may be a view into the block read from the file; records are never
   * overwritten by the reader, but a view keeps its whole block reachable.
   */
  next(): LogReadResult {
    for (;;) {
      const type = this.#readChunk()
      switch (type) {
        case RecordType.Full:
        case RecordType.First: {
          if (this.#recordStart >= 0) {
            // Re-read this chunk on the next call: it validly starts a new record.
            this.#pos = this.#chunkOffset - this.#blockStart
            return this.#dropRecord(
              `a ${TYPE_NAMES[type]} chunk at offset ${this.#chunkOffset} began a new record before this one was complete`,
              false,
              false,
            )
          }
          this.#resyncing = false
          const payload = this.#block.subarray(this.#chunkStart, this.#chunkStart + this.#chunkLength)
          if (type === RecordType.Full) return { type: 'record', record: payload, offset: this.#chunkOffset }
          this.#recordStart = this.#chunkOffset
          this.#parts.push(payload)
          this.#partsLength = payload.length
          break
        }
        case RecordType.Middle:
        case RecordType.Last: {
          if (this.#recordStart < 0) {
            if (this.#resyncing) break
            this.#resyncing = true
            return {
              type: 'damage',
              offset: this.#chunkOffset,
              reason: `${TYPE_NAMES[type]} fragment without a preceding FIRST`,
              truncated: false,
            }
          }
          const payload = this.#block.subarray(this.#chunkStart, this.#chunkStart + this.#chunkLength)
          this.#parts.push(payload)
          this.#partsLength += payload.length
          if (type === RecordType.Last) return this.#assemble()
          break
        }
        case BAD_BLOCK:
        case BAD_CHUNK: {
          if (this.#resyncing) break
          if (this.#recordStart >= 0) return this.#dropRecord(`${this.#problem} at offset ${this.#problemOffset}`, true, this.#problemTruncated)
          this.#resyncing = true
          return { type: 'damage', offset: this.#problemOffset, reason: this.#problem, truncated: this.#problemTruncated }
        }
        default: {
          if (this.#recordStart >= 0) {
            return this.#dropRecord(`end of file after ${this.#parts.length} fragment(s) (${this.#partsLength} bytes)`, true, true)
          }
          return EOF
        }
      }
    }
  }

  #assemble(): LogReadResult {
    const record = new Uint8Array(this.#partsLength)
    let at = 0
    for (const part of this.#parts) {
      record.set(part, at)
      at += part.length
    }
    const offset = this.#recordStart
    this.#resetRecord()
    return { type: 'record', record, offset }
  }

  #dropRecord(why: string, resync: boolean, truncated: boolean): LogReadResult {
    const offset = this.#recordStart
    this.#resetRecord()
    this.#resyncing = resync
    return { type: 'damage', offset, reason: `incomplete fragmented record: ${why}`, truncated }
  }

  #resetRecord(): void {
    this.#parts.length = 0
    this.#partsLength = 0
    this.#recordStart = -1
  }

  /**
   * Parses the next chunk with a valid checksum and returns its type, or END_OF_FILE,
   * BAD_BLOCK (having moved past the rest of the block) or BAD_CHUNK (having moved past
   * the chunk). Never throws on the bytes themselves.
   */
  #readChunk(): number {
    if (this.#ended) return END_OF_FILE
    for (;;) {
      const block = this.#block
      const pos = this.#pos
      // The writer never starts a chunk in a block's last HEADER_SIZE - 1 bytes; they are
      // padding. Their content is not checked: it cannot be mistaken for data.
      if (BLOCK_SIZE - pos < HEADER_SIZE || pos === block.length) {
        if (!this.#nextBlock()) return END_OF_FILE
        continue
      }
      const offset = this.#blockStart + pos
      const present = block.length - pos
      if (present < HEADER_SIZE) {
        return this.#badBlock(offset, `truncated chunk header at end of file (${present} of ${HEADER_SIZE} bytes)`, true)
      }
      const length = block[pos + 4]! | (block[pos + 5]! << 8)
      const type = block[pos + 6]!
      const stored = (block[pos]! | (block[pos + 1]! << 8) | (block[pos + 2]! << 16)) + block[pos + 3]! * 0x1000000
      if (type === 0 && length === 0 && stored === 0) {
        // A writer may reserve zeroed space ahead of its appends (format.md, "Preallocated
        // space"): zeros from a chunk boundary to the end of the file are the log's end.
        if (offset >= this.#zeroTailStart()) {
          this.#ended = true
          return END_OF_FILE
        }
        return this.#badBlock(offset, 'zero-filled region (type 0) with data after it', true)
      }
      const end = pos + HEADER_SIZE + length
      if (end > BLOCK_SIZE) {
        return this.#badBlock(
          offset,
          `chunk length ${length} runs past the end of its block (${BLOCK_SIZE - pos - HEADER_SIZE} bytes left)`,
        )
      }
      if (end > block.length) {
        return this.#badBlock(
          offset,
          `truncated chunk payload at end of file (${length} bytes declared, ${present - HEADER_SIZE} present)`,
          true,
        )
      }
      // The type byte sits right before the payload, so one pass covers both.
      const actual = crc32c(block, 0, pos + HEADER_SIZE - 1, end)
      if (actual !== unmaskCrc(stored)) {
        // A write cut short inside reserved space leaves its chunk ending in zeros that run
        // to the end of the file: a torn write, like a file that ends part-way through a chunk.
        if (this.#blockStart + end > this.#zeroTailStart()) {
          return this.#badBlock(offset, `checksum mismatch in ${length}-byte chunk, zeros from offset ${this.#zeroTailStart()} to the end of the file`, true)
        }
        return this.#badBlock(offset, `checksum mismatch in ${length}-byte chunk`)
      }
      this.#pos = end
      if (type === 0 || type > MAX_RECORD_TYPE) {
        this.#problem = `unknown record type ${type}`
        this.#problemOffset = offset
        this.#problemTruncated = false
        return BAD_CHUNK
      }
      this.#chunkOffset = offset
      this.#chunkStart = pos + HEADER_SIZE
      this.#chunkLength = length
      return type
    }
  }

  /** The offset after the file's last nonzero byte (the file size when it ends in one). */
  #zeroTailStart(): number {
    if (this.#zeroTail >= 0) return this.#zeroTail
    let end = this.#fileSize
    while (end > 0) {
      const start = Math.max(0, end - ZERO_SCAN_PIECE)
      const last = lastNonZero(this.#file.read(start, end - start))
      if (last >= 0) {
        end = start + last + 1
        break
      }
      end = start
    }
    this.#zeroTail = end
    return end
  }

  #badBlock(offset: number, why: string, truncated = false): number {
    this.#problem = why
    this.#problemOffset = offset
    this.#problemTruncated = truncated
    // A damaged header's length cannot be trusted, so the next chunk boundary we can be
    // sure of is the next block.
    this.#pos = BLOCK_SIZE
    return BAD_BLOCK
  }

  #nextBlock(): boolean {
    const start = this.#blockStart + BLOCK_SIZE
    if (start >= this.#fileSize) {
      this.#block = EMPTY_BYTES
      this.#pos = 0
      return false
    }
    this.#block = this.#file.read(start, Math.min(BLOCK_SIZE, this.#fileSize - start))
    this.#blockStart = start
    this.#pos = 0
    return true
  }
}
