// The build step of an ingest (ingest.ts): validates each entry as a put's, checks that
// keys strictly ascend, and writes them through the output splitter into tables of the
// target file size, every entry with the ingest's one sequence number. An entry is added
// synchronously; only a table cut, a file-number reservation or the end of a time slice
// returns a promise, so a source that yields synchronously costs no await per entry.

import { closedError, invalidArgument } from '../errors.js'
import { ValueKind } from '../base/internal-key.js'
import { OutputSplitter } from '../compaction/output-splitter.js'
import { copyBytes } from '../util/bytes.js'
import { TimeSlicer } from '../util/time-slicer.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { ingestKeyArg, readKeyArg, valueArg } from './arguments.js'
import type { DbCore } from './db-core.js'

/** File numbers reserved at a time while tables are built. */
const NUMBERS_PER_RESERVATION = 8

export interface BuiltRun {
  /** In key order. */
  tables: FileMetadata[]
  entries: number
  /** Key and value bytes of the entries. */
  userBytes: number
}

export class IngestBuilder {
  readonly #core: DbCore
  readonly #sequence: number
  readonly #splitter: OutputSplitter
  readonly #slicer = new TimeSlicer()
  /** File numbers reserved and not yet used. */
  readonly #reserved: number[] = []
  /** A copy of the previous key: the caller may reuse its buffer once it hands over the next entry. */
  #last = new Uint8Array(64)
  #lastLength = -1
  #entries = 0
  #userBytes = 0

  /** `files` collects the number of every table created, for the caller to delete on failure. */
  constructor(core: DbCore, sequence: number, files: number[]) {
    this.#core = core
    this.#sequence = sequence
    this.#splitter = new OutputSplitter(core.fs, core.location, core.options, () => {
      // Refilled before each table starts (see add), so a number is always there.
      const n = this.#reserved.shift()!
      core.files.protect(n)
      files.push(n)
      return n
    })
  }

  /** Adds one entry; returns a promise when the caller must wait before the next one. */
  add(entry: unknown): Promise<void> | undefined {
    // Checked apart (not as a [key, value] pair) so that no array is allocated per entry. A
    // short string key is encoded into the buffer reads share (readKeyArg), not a new array
    // each: it is copied into the table before anything else can run.
    const k = typeof entry === 'object' && entry !== null ? (entry as { key?: unknown }).key : undefined
    const key = typeof k === 'string' && k.length > 0 ? readKeyArg(k, false) : ingestKeyArg(entry, this.#entries, this.#core.options.allowEmptyKeys)
    const value = valueArg((entry as { value?: unknown }).value)
    if (this.#lastLength >= 0 && !this.#followsLast(key)) {
      throw invalidArgument(`Invalid ingest entry ${this.#entries}: its key does not sort after the previous entry's (ingest needs strictly ascending keys, compared bytewise)`)
    }
    if (key.length > this.#last.length) this.#last = new Uint8Array(Math.max(key.length, this.#last.length * 2))
    this.#last.set(key)
    this.#lastLength = key.length
    // Waits first, so the key is copied: the shared buffer may be reused meanwhile.
    if (this.#splitter.full || (!this.#splitter.open && this.#reserved.length === 0)) return this.#addAfterCut(copyBytes(key), value)
    this.#append(key, value)
    return this.#pause()
  }

  /** Whether key sorts strictly after the previous one (compareBytes without a view per entry). */
  #followsLast(key: Uint8Array): boolean {
    const last = this.#last
    const n = Math.min(key.length, this.#lastLength)
    for (let i = 0; i < n; i++) if (key[i] !== last[i]) return key[i]! > last[i]!
    return key.length > this.#lastLength
  }

  /** Finishes the last table; returns what was built. The directory entries are the caller's to sync. */
  async finish(): Promise<BuiltRun> {
    const tables = await this.#splitter.finish()
    return { tables, entries: this.#entries, userBytes: this.#userBytes }
  }

  /** After a failure: stops the table being written (the caller deletes the files). */
  abandon(): void {
    this.#splitter.abandon()
  }

  /** Finishes a full table, reserves numbers if none are left, then adds the entry. */
  async #addAfterCut(key: Uint8Array, value: Uint8Array): Promise<void> {
    // The full table syncs while the next one is built.
    if (this.#splitter.full) await this.#splitter.cut(true)
    if (this.#reserved.length === 0) this.#reserved.push(...(await this.#core.versions.allocateFileNumbers(NUMBERS_PER_RESERVATION)))
    this.#checkOpen()
    this.#append(key, value)
  }

  #append(key: Uint8Array, value: Uint8Array): void {
    this.#splitter.add(key, this.#sequence, ValueKind.Value, value)
    this.#entries++
    this.#userBytes += key.length + value.length
  }

  /** Yields to the event loop once a slice is spent. */
  #pause(): Promise<void> | undefined {
    const turn = this.#slicer.tick()
    return turn?.then(() => this.#checkOpen())
  }

  // Close waits for an ingest (Writer.idle), so it stops soon rather than finish.
  #checkOpen(): void {
    if (this.#core.isClosed()) throw closedError('database', 'Database is closed')
  }
}
