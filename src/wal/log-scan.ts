// Looks for any intact record start after a damaged spot in a log. The reader's resync
// skips to the next 32 KiB block, which would hide valid records later in the damaged
// block; log-records.ts uses this byte-by-byte scan to tell a torn tail (nothing valid
// after the damage) from corruption in the middle of the log (acknowledged writes may follow).

import { getU16, getU32 } from '../util/coding.js'
import { crc32c, unmaskCrc } from '../util/crc32c.js'
import type { RandomAccessFile } from '../vfs/file-system.js'
import { BLOCK_SIZE, HEADER_SIZE, RecordType, TYPE_CRC } from './log-format.js'

/** The offset of the first checksum-valid FULL or FIRST chunk after `offset`, or undefined. */
export function findValidChunkAfter(file: RandomAccessFile, offset: number): number | undefined {
  const start = offset + 1
  if (start >= file.size) return undefined
  const bytes = file.read(start, file.size - start)
  for (let p = 0; p + HEADER_SIZE <= bytes.length; p++) {
    const inBlock = (start + p) % BLOCK_SIZE
    if (inBlock > BLOCK_SIZE - HEADER_SIZE) continue
    const type = bytes[p + 6]!
    if (type !== RecordType.Full && type !== RecordType.First) continue
    const length = getU16(bytes, p + 4)
    if (inBlock + HEADER_SIZE + length > BLOCK_SIZE || p + HEADER_SIZE + length > bytes.length) continue
    const crc = crc32c(bytes, TYPE_CRC[type], p + HEADER_SIZE, p + HEADER_SIZE + length)
    if (crc === unmaskCrc(getU32(bytes, p))) return start + p
  }
  return undefined
}
