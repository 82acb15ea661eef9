// The physical format of a log file (the write-ahead log and the manifest), shared by
// LogWriter and LogReader. Prose and a worked example: docs/format.md#log.
// Every number here is on disk: never change or renumber them.

import { crc32c } from '../util/crc32c.js'

/** A log file is a sequence of blocks of this size; only the last may be shorter. */
export const BLOCK_SIZE = 32 * 1024

/** Chunk header: masked CRC-32C (4 bytes LE) | payload length (2 bytes LE) | type (1 byte). */
export const HEADER_SIZE = 7

/**
 * Chunk types. A record that fits in the rest of its block is one FULL chunk; otherwise it
 * is split into FIRST, zero or more MIDDLE, and LAST. Type 0 is never written: it is what
 * zero-filled (preallocated or never-written) space looks like, so readers treat it as damage.
 */
export const RecordType = { Zero: 0, Full: 1, First: 2, Middle: 3, Last: 4 } as const
export type RecordType = (typeof RecordType)[keyof typeof RecordType]

/** The highest type a reader accepts. */
export const MAX_RECORD_TYPE = RecordType.Last

/**
 * CRC-32C of the single type byte, indexed by type. A chunk's checksum covers the type byte
 * then the payload, so extending one of these over the payload avoids building that
 * concatenation on the write path.
 */
export const TYPE_CRC: readonly number[] = [0, 1, 2, 3, 4].map((t) => crc32c(Uint8Array.of(t)))
