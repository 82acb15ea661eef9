// LogWriter frames records into the block format of log-format.ts and appends them to a
// WritableFile through an in-memory buffer, so a small put costs a copy, not a syscall.
//
// Not safe for concurrent use by several callers without outside ordering: the database's write path
// owns one writer and calls it from one place. sync() may overlap further addRecord calls.

import { ShaleError, closedError, errorMessage, invalidArgument, isErrnoError } from '../errors.js'
import { maskCrc, crc32c } from '../util/crc32c.js'
import type { WritableFile } from '../vfs/file-system.js'
import { BLOCK_SIZE, HEADER_SIZE, RecordType, TYPE_CRC } from './log-format.js'

export interface LogWriterOptions {
  /**
   * Pending bytes that trigger an append to the file (default 64 KiB). 0 appends at the end
   * of every addRecord, which suits a log that is synced after each record.
   */
  bufferSize?: number
}

const DEFAULT_BUFFER_SIZE = 64 * 1024

export class LogWriter {
  readonly #file: WritableFile
  readonly #bufferSize: number
  /** Framed bytes not yet handed to the file occupy #buf[0, #pending). */
  readonly #buf: Uint8Array
  #pending = 0
  /** Scratch for a header that must be split across a flush. */
  readonly #header = new Uint8Array(HEADER_SIZE)
  /** Bytes handed to file.append successfully, counting what the file held at open. */
  #appended: number
  #synced: number
  /** Position inside the current 32 KiB block of the next byte to be framed. */
  #blockOffset: number
  /** Set when an append or sync failed; every later call rethrows it. */
  #failure: unknown = undefined
  #closed = false
  /** Called after bytes reach the file (each append): the change feed reads logs from their files. */
  onAppend: (() => void) | undefined = undefined

  /**
   * Appends to `file` from its current size, so a writer can continue a log opened for
   * append. The bytes already in the file are assumed durable. The writer takes ownership
   * of the file: close() closes it.
   */
  constructor(file: WritableFile, options: LogWriterOptions = {}) {
    const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE
    if (!Number.isSafeInteger(bufferSize) || bufferSize < 0) {
      throw invalidArgument(`LogWriter bufferSize must be a non-negative integer, got ${bufferSize}`)
    }
    this.#file = file
    this.#bufferSize = bufferSize
    // At least a block, so that even with bufferSize 0 a record is framed in few appends.
    this.#buf = new Uint8Array(Math.max(bufferSize, BLOCK_SIZE))
    this.#appended = file.size
    this.#synced = file.size
    this.#blockOffset = file.size % BLOCK_SIZE
  }

  /** Logical length of the log: bytes in the file plus bytes still pending. */
  get size(): number {
    return this.#appended + this.#pending
  }

  /** Bytes appended to the file: what a reader of the file sees of the log. */
  get appendedBytes(): number {
    return this.#appended
  }

  /** Framed bytes held in memory, not yet appended to the file. */
  get pendingBytes(): number {
    return this.#pending
  }

  /** Length of the prefix of the log known to be durable. */
  get syncedSize(): number {
    return this.#synced
  }

  /**
   * Frames one record. The payload is copied before returning, so the caller may reuse it.
   * Throws what file.append threw if the buffer had to be flushed and that failed; the
   * writer is then unusable (see #fail).
   */
  addRecord(payload: Uint8Array): void {
    this.#checkUsable()
    let start = 0
    let left = payload.length
    let first = true
    for (;;) {
      let room = BLOCK_SIZE - this.#blockOffset
      if (room < HEADER_SIZE) {
        // A header would not fit: pad the block's tail with zeros, which readers skip.
        if (room > 0) this.#zeros(room)
        this.#blockOffset = 0
        room = BLOCK_SIZE
      }
      const space = room - HEADER_SIZE
      const last = left <= space
      const length = last ? left : space
      const type = first ? (last ? RecordType.Full : RecordType.First) : last ? RecordType.Last : RecordType.Middle
      this.#chunk(type, payload, start, length)
      if (last) break
      start += length
      left -= length
      first = false
    }
    if (this.#pending >= this.#bufferSize) this.#flush()
  }

  /** Appends the pending bytes to the file (no durability barrier). */
  flush(): void {
    this.#checkUsable()
    this.#flush()
  }

  /**
   * Flushes, then makes everything appended durable. When it resolves, syncedSize covers
   * every record added before the call. A failed sync leaves the writer unusable: after a
   * failed fsync the kernel may have dropped the dirty pages, so nothing later can be trusted.
   */
  async sync(): Promise<void> {
    this.#checkUsable()
    this.#flush()
    const target = this.#appended
    try {
      await this.#file.sync()
    } catch (err) {
      this.#fail(err)
      throw err
    }
    if (target > this.#synced) this.#synced = target
  }

  /**
   * Flushes and closes the file; it does not sync. Idempotent. On a writer that already
   * failed it only closes the file (the failure was reported when it happened).
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    let error: unknown
    let failed = false
    if (this.#failure === undefined) {
      try {
        this.#flush()
      } catch (err) {
        error = err
        failed = true
      }
    }
    try {
      this.#file.close()
    } catch (err) {
      if (!failed) {
        error = err
        failed = true
      }
    }
    if (failed) throw error
  }

  #checkUsable(): void {
    if (this.#closed) throw closedError('database', 'The log writer is closed')
    if (this.#failure !== undefined) {
      const cause = this.#failure
      const message = `The log writer is unusable after an earlier failure: ${errorMessage(cause)}`
      // A bug (the file's own, say) stays a bug here too: only disk failures become IO.
      if (!(cause instanceof ShaleError) && !isErrnoError(cause)) throw new Error(message, { cause })
      throw new ShaleError(cause instanceof ShaleError ? cause.code : 'IO', message, { cause })
    }
  }

  /**
   * After a failed append some prefix of the bytes may have reached the file, leaving a torn
   * chunk; the writer cannot know how much, so it refuses further work rather than frame
   * records at offsets that no longer match the file. The reader cuts such a tail.
   */
  #fail(err: unknown): void {
    this.#failure = err ?? new Error('unknown failure')
  }

  /** Writes one chunk: header, then payload[start, start + length). */
  #chunk(type: RecordType, payload: Uint8Array, start: number, length: number): void {
    const end = start + length
    const crc = maskCrc(crc32c(payload, TYPE_CRC[type]!, start, end))
    this.#blockOffset += HEADER_SIZE + length
    const buf = this.#buf
    let at = this.#pending
    if (buf.length - at >= HEADER_SIZE + length) {
      // Hot path: the whole chunk fits in the buffer.
      buf[at] = crc & 0xff
      buf[at + 1] = (crc >>> 8) & 0xff
      buf[at + 2] = (crc >>> 16) & 0xff
      buf[at + 3] = crc >>> 24
      buf[at + 4] = length & 0xff
      buf[at + 5] = length >>> 8
      buf[at + 6] = type
      at += HEADER_SIZE
      if (length <= 16) {
        // For tiny payloads a loop beats creating a subarray view to pass to set().
        for (let i = start; i < end; i++) buf[at++] = payload[i]!
      } else {
        buf.set(start === 0 && end === payload.length ? payload : payload.subarray(start, end), at)
        at += length
      }
      this.#pending = at
      return
    }
    const header = this.#header
    header[0] = crc & 0xff
    header[1] = (crc >>> 8) & 0xff
    header[2] = (crc >>> 16) & 0xff
    header[3] = crc >>> 24
    header[4] = length & 0xff
    header[5] = length >>> 8
    header[6] = type
    this.#put(header, 0, HEADER_SIZE)
    this.#put(payload, start, end)
  }

  /** Copies src[start, end) into the buffer, flushing each time it fills. */
  #put(src: Uint8Array, start: number, end: number): void {
    while (start < end) {
      if (this.#pending === this.#buf.length) this.#flush()
      const n = Math.min(end - start, this.#buf.length - this.#pending)
      this.#buf.set(src.subarray(start, start + n), this.#pending)
      this.#pending += n
      start += n
    }
  }

  #zeros(n: number): void {
    if (this.#buf.length - this.#pending < n) this.#flush()
    // The buffer is reused, so the padding must be cleared explicitly.
    this.#buf.fill(0, this.#pending, this.#pending + n)
    this.#pending += n
  }

  #flush(): void {
    if (this.#pending === 0) return
    try {
      // WritableFile.append consumes the bytes before returning, so the buffer is reusable.
      this.#file.append(this.#buf.subarray(0, this.#pending))
    } catch (err) {
      this.#fail(err)
      throw err
    }
    this.#appended += this.#pending
    this.#pending = 0
    this.onAppend?.()
  }
}
