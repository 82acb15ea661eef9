// Writes one new table file and returns its metadata once the table is durable: the shared
// tail of a flush, a compaction output and a repair output. The directory entry is the
// caller's to sync (once for all the tables it writes).

import { tableFileName } from '../base/file-names.js'
import type { ValueKind } from '../base/internal-key.js'
import type { ResolvedOptions } from '../base/options.js'
import { TableBuilder } from '../table/table-builder.js'
import type { FileSystem, WritableFile } from '../vfs/file-system.js'
import type { FileMetadata } from './file-metadata.js'

export type TableWriterOptions = Pick<ResolvedOptions, 'blockSize' | 'blockRestartInterval' | 'bloomBitsPerKey' | 'compression'>

export class TableWriter {
  readonly number: number
  readonly #file: WritableFile
  readonly #builder: TableBuilder

  constructor(fs: FileSystem, dir: string, number: number, options: TableWriterOptions) {
    const path = tableFileName(dir, number)
    this.number = number
    this.#file = fs.create(path)
    this.#builder = new TableBuilder(
      this.#file,
      { blockSize: options.blockSize, restartInterval: options.blockRestartInterval, bloomBitsPerKey: options.bloomBitsPerKey, compression: options.compression },
      path,
    )
  }

  /** Entries must arrive in internal-key order. */
  add(key: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): void {
    this.#builder.add(key, seq, kind, value)
  }

  /** A range tombstone [start, end) at seq (any order); see TableBuilder.addRangeTombstone. */
  addRangeTombstone(start: Uint8Array, end: Uint8Array, seq: number): void {
    this.#builder.addRangeTombstone(start, end, seq)
  }

  /** The user key of the last entry added, if any (a view). */
  lastUserKey(): Uint8Array | undefined {
    return this.#builder.lastUserKey()
  }

  estimatedFileSize(): number {
    return this.#builder.estimatedFileSize()
  }

  /** Writes the rest of the table, fsyncs and closes it. */
  async finish(): Promise<FileMetadata> {
    try {
      const t = this.#builder.finish()
      await this.#file.sync()
      const meta = { number: this.number, size: t.fileSize, smallestKey: t.smallestKey, smallestSeq: t.smallestSeq, largestKey: t.largestKey, largestSeq: t.largestSeq }
      return t.rangeDeletions > 0 ? { ...meta, rangeDeletions: t.rangeDeletions } : meta
    } finally {
      this.#file.close()
    }
  }

  /** Stops after a failure; the unreferenced file is deleted with the other obsolete files. */
  abandon(): void {
    this.#builder.abandon()
    this.#file.close()
  }
}
