// Reads what survives of a damaged table, block by block: a bad data block costs only its
// own entries. Used by repair; the normal read path stops at the first damage instead.

import { compareInternalKeys, kindOf, sequenceOf, userKeyOf, type ValueKind } from '../base/internal-key.js'
import type { RandomAccessFile } from '../vfs/file-system.js'
import { copyBytes } from '../util/bytes.js'
import { Block, BlockCursor } from './block.js'
import { BLOCK_TRAILER_SIZE, FOOTER_SIZE, checkBlock, decodeBlockHandle, decodeFooter } from './format.js'

export interface SalvageResult {
  entries: number
  blocks: number
  lostBlocks: number
  /** Why nothing could be read (footer or index unreadable), if so. */
  unreadable: string | undefined
}

/** Calls onEntry for every entry of every intact data block, in file order. */
export function salvageTable(
  file: RandomAccessFile,
  fileName: string,
  onEntry: (key: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array) => void,
): SalvageResult {
  const result: SalvageResult = { entries: 0, blocks: 0, lostBlocks: 0, unreadable: undefined }
  let index: Block
  let version: number
  try {
    if (file.size < FOOTER_SIZE) throw new Error(`${file.size} bytes is shorter than a footer`)
    const footer = decodeFooter(file.read(file.size - FOOTER_SIZE, FOOTER_SIZE), file.size, fileName)
    version = footer.version
    index = new Block(checkBlock(file.read(footer.index.offset, footer.index.size + BLOCK_TRAILER_SIZE), footer.index, fileName, true, version), fileName, footer.index.offset)
  } catch (err) {
    result.unreadable = err instanceof Error ? err.message : String(err)
    return result
  }
  const handles = new BlockCursor(index, compareInternalKeys)
  for (handles.seekToFirst(); handles.valid(); handles.next()) {
    result.blocks++
    try {
      const h = decodeBlockHandle(handles.value())
      // checkBlock verifies and decompresses: a block whose LZ4 data is damaged is lost like any other.
      const block = new Block(checkBlock(file.read(h.offset, h.size + BLOCK_TRAILER_SIZE), h, fileName, true, version), fileName, h.offset)
      const rows: [Uint8Array, number, ValueKind, Uint8Array][] = []
      const c = new BlockCursor(block, compareInternalKeys)
      for (c.seekToFirst(); c.valid(); c.next()) {
        const ikey = copyBytes(c.key())
        rows.push([userKeyOf(ikey), sequenceOf(ikey), kindOf(ikey) as ValueKind, copyBytes(c.value())])
      }
      // Only a block that decoded completely contributes.
      for (const [k, seq, kind, v] of rows) onEntry(k, seq, kind, v)
      result.entries += rows.length
    } catch {
      result.lostBlocks++
    }
  }
  return result
}
