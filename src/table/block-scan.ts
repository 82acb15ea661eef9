// Finds the blocks of a table without its index or footer. Blocks lie back to back from
// offset 0, each followed by its trailer, and only the index records where one ends; but a
// trailer's checksum covers exactly its block's stored bytes and type byte, so a boundary is
// where the checksum of the bytes since the previous boundary matches the one stored after
// them. A chain of blocks is followed forwards from offset 0, resuming past a damaged block
// at the first offset where a block verifies again, and backwards from the end of the
// region; what neither chain reaches is lost.
//
// A false boundary needs a 32-bit checksum to match by chance; each block found is then
// decoded by the caller, which is a second check.

import { getU32 } from '../util/coding.js'
import { unmaskCrc } from '../util/crc32c.js'
import { CRC32_START, crc32Register, crc32Step, crc32StepBack } from '../util/crc32-steps.js'
import { BLOCK_TRAILER_SIZE, CompressionType, type BlockHandle } from './format.js'

export interface BlockScan {
  /** Blocks whose trailer checksum verifies, in file order. */
  blocks: BlockHandle[]
  /** Stretches that no verified block covers, in file order. */
  unreadable: { offset: number; size: number }[]
}

/** How far past a damaged block's start to look for the next block when no block has been found to size it by. */
const DEFAULT_RESYNC_SPAN = 64 * 1024

const isCompressionType = (b: number): boolean => b === CompressionType.None || b === CompressionType.Lz4

/** Scans bytes [0, end) of a table's contents for verified blocks. */
export function scanBlocks(bytes: Uint8Array, end: number): BlockScan {
  const forward: BlockHandle[] = []
  const unreadable: { offset: number; size: number }[] = []
  let start = 0
  let largest = 0
  while (start < end) {
    const size = blockEndingAfter(bytes, start, end)
    if (size !== undefined) {
      forward.push({ offset: start, size })
      largest = Math.max(largest, size)
      start += size + BLOCK_TRAILER_SIZE
      continue
    }
    const next = nextBlockAfter(bytes, start, end, largest > 0 ? 2 * largest : DEFAULT_RESYNC_SPAN)
    if (next === undefined) break
    unreadable.push({ offset: start, size: next - start })
    start = next
  }
  const backward: BlockHandle[] = []
  let stop = end
  for (;;) {
    const offset = blockStartingBefore(bytes, start, stop)
    if (offset === undefined) break
    backward.push({ offset, size: stop - BLOCK_TRAILER_SIZE - offset })
    stop = offset
  }
  if (stop > start) unreadable.push({ offset: start, size: stop - start })
  return { blocks: [...forward, ...backward.reverse()], unreadable }
}

/**
 * The first offset after the damaged block at `start` where a block verifies, looking at
 * most `span` bytes on. Only offsets just after something shaped like a trailer qualify
 * (its type byte), which skips most of them.
 */
function nextBlockAfter(bytes: Uint8Array, start: number, end: number, span: number): number | undefined {
  for (let q = start + 1 + BLOCK_TRAILER_SIZE; q < end && q <= start + span + BLOCK_TRAILER_SIZE; q++) {
    if (isCompressionType(bytes[q - BLOCK_TRAILER_SIZE]!) && blockEndingAfter(bytes, q, Math.min(end, q + span + BLOCK_TRAILER_SIZE)) !== undefined) return q
  }
  return undefined
}

/** The stored size of the block at `start` whose trailer ends by `end`, if one verifies. */
function blockEndingAfter(bytes: Uint8Array, start: number, end: number): number | undefined {
  let register = CRC32_START
  // The type byte is covered by the checksum and sits right after the stored bytes, so the
  // register after it is the block's checksum; the stored one follows it.
  for (let p = start; p + BLOCK_TRAILER_SIZE <= end; p++) {
    register = crc32Step(register, bytes[p]!)
    if (p > start && isCompressionType(bytes[p]!) && register === crc32Register(unmaskCrc(getU32(bytes, p + 1)))) return p - start
  }
  return undefined
}

/** The offset, at or after `floor`, of the block whose trailer ends exactly at `stop`, if one verifies. */
function blockStartingBefore(bytes: Uint8Array, floor: number, stop: number): number | undefined {
  const typeAt = stop - BLOCK_TRAILER_SIZE
  if (typeAt - 1 < floor || !isCompressionType(bytes[typeAt]!)) return undefined
  // Run the checksum backwards from its stored value: where the register is back at its
  // starting value, the checksummed run (and so the block) begins.
  let register = crc32StepBack(crc32Register(unmaskCrc(getU32(bytes, typeAt + 1))), bytes[typeAt]!)
  for (let p = typeAt - 1; p >= floor; p--) {
    register = crc32StepBack(register, bytes[p]!)
    if (register === CRC32_START) return p
  }
  return undefined
}
