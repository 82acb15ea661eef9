// Reads what survives of a damaged table, block by block: a bad data block costs only its
// own entries. Used by repair; the normal read path stops at the first damage instead.
// With the footer and index intact the data blocks are the index's; without them, the
// table is scanned for blocks whose checksums verify (block-scan.ts).

import { errorMessage } from '../errors.js'
import { compareInternalKeys, kindOf, sequenceOf, TRAILER_SIZE, userKeyOf, ValueKind } from '../base/internal-key.js'
import type { RandomAccessFile } from '../vfs/file-system.js'
import { copyBytes } from '../util/bytes.js'
import { Block, BlockCursor } from './block.js'
import { scanBlocks } from './block-scan.js'
import {
  BLOCK_TRAILER_SIZE,
  FOOTER_SIZE,
  TABLE_FORMAT_VERSION,
  TABLE_MAGIC_HI,
  checkBlock,
  decodeBlockHandle,
  decodeProperties,
  readFooter,
  type BlockHandle,
  type Footer,
} from './format.js'
import { getU32 } from '../util/coding.js'

export interface SalvageResult {
  entries: number
  /** Data blocks read. */
  blocks: number
  /** Data blocks that could not be read; undefined when neither index nor properties says how many there were. */
  lostBlocks: number | undefined
  /** Entries lost, when the properties block says how many the table held. */
  lostEntries: number | undefined
  /** Bytes of the data region in no block that could be read. */
  lostBytes: number
  /** Why the footer or index could not be used, so the table was scanned for its blocks. */
  unreadable: string | undefined
  /** Range tombstones recovered (passed to onEntry with kind RangeDeletion: key = start, value = end). */
  rangeDeletions: number
}

type Row = [Uint8Array, number, ValueKind, Uint8Array]

/** Calls onEntry for every entry of every intact data block, in file order, and for every range tombstone of an intact range-deletion block. */
export function salvageTable(file: RandomAccessFile, fileName: string, onEntry: (key: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array) => void): SalvageResult {
  const bytes = file.read(0, file.size)
  const result: SalvageResult = { entries: 0, blocks: 0, lostBlocks: undefined, lostEntries: undefined, lostBytes: 0, unreadable: undefined, rangeDeletions: 0 }
  let footer: Footer | undefined
  try {
    footer = readFooter(file, fileName)
  } catch (err) {
    result.unreadable = errorMessage(err)
  }
  const version = footer?.version ?? TABLE_FORMAT_VERSION
  let properties = footer === undefined ? undefined : attempt(() => decodeProperties(readBlock(bytes, footer.properties, fileName, version)))
  let handles: BlockHandle[] | undefined
  let expectedBlocks: number | undefined
  if (footer !== undefined) {
    try {
      handles = indexHandles(readBlock(bytes, footer.index, fileName, version))
      expectedBlocks = handles.length
    } catch (err) {
      result.unreadable = errorMessage(err)
    }
  }
  const scanned = handles === undefined
  if (handles === undefined) {
    // Without a footer the meta blocks are in the scan too; they are told apart below.
    const end = footer !== undefined ? dataRegionEnd(footer) : scanEnd(bytes)
    const scan = scanBlocks(bytes, end)
    for (const gap of scan.unreadable) {
      // What is left of a footer whose magic is damaged holds no entries.
      if (gap.offset + gap.size === bytes.length && gap.size <= FOOTER_SIZE) continue
      result.lostBytes += gap.size
    }
    handles = []
    for (const h of scan.blocks) {
      const contents = attempt(() => readBlock(bytes, h, fileName, version))
      const props = contents && attempt(() => decodeProperties(contents))
      const index = contents && props === undefined ? attempt(() => indexHandles(contents)) : undefined
      if (props !== undefined) properties ??= props
      else if (index !== undefined) expectedBlocks ??= index.length
      else handles.push(h)
    }
    expectedBlocks = properties?.dataBlocks ?? expectedBlocks
  }
  const emitRangeDeletions = (rows: Row[]): void => {
    for (const [k, seq, kind, v] of rows) onEntry(k, seq, kind, v)
    result.rangeDeletions += rows.length
  }
  for (const h of handles) {
    const rows = attempt(() => blockRows(readBlock(bytes, h, fileName, version), false))
    if (rows === undefined) {
      // A scanned block's checksum verified, so if it is not a data block it is the filter
      // or the range deletions; a block the index lists is a damaged data block.
      if (scanned) {
        const tombstones = attempt(() => blockRows(readBlock(bytes, h, fileName, version), true))
        if (tombstones !== undefined) emitRangeDeletions(tombstones)
        continue
      }
      result.lostBytes += h.size + BLOCK_TRAILER_SIZE
      continue
    }
    // Only a block that decoded completely contributes.
    for (const [k, seq, kind, v] of rows) onEntry(k, seq, kind, v)
    result.entries += rows.length
    result.blocks++
  }
  // With the index, the range-deletion block is found through the properties. Losing it
  // would bring deleted keys back, so its damage counts as lost bytes like a data block's.
  if (!scanned && properties?.rangeDeletions !== undefined) {
    const h = { offset: properties.rangeDeletionOffset!, size: properties.rangeDeletionSize! }
    const rows = attempt(() => blockRows(readBlock(bytes, h, fileName, version), true))
    if (rows === undefined) result.lostBytes += h.size + BLOCK_TRAILER_SIZE
    else emitRangeDeletions(rows)
  }
  if (expectedBlocks !== undefined) result.lostBlocks = Math.max(0, expectedBlocks - result.blocks)
  if (properties !== undefined) result.lostEntries = Math.max(0, properties.entries - result.entries)
  return result
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn()
  } catch {
    return undefined
  }
}

function readBlock(bytes: Uint8Array, h: BlockHandle, fileName: string, version: number): Block {
  const raw = bytes.subarray(h.offset, h.offset + h.size + BLOCK_TRAILER_SIZE)
  return new Block(checkBlock(raw, h, fileName, true, version), fileName, h.offset)
}

/** The data blocks an index block lists; throws unless every value is one handle, in file order. */
function indexHandles(index: Block): BlockHandle[] {
  const handles: BlockHandle[] = []
  const c = new BlockCursor(index, compareInternalKeys)
  for (c.seekToFirst(); c.valid(); c.next()) {
    const v = c.value()
    const h = decodeBlockHandle(v)
    const previous = handles.at(-1)
    const expectedAt = previous === undefined ? 0 : previous.offset + previous.size + BLOCK_TRAILER_SIZE
    if (h.offset !== expectedAt || h.offset + h.size + BLOCK_TRAILER_SIZE > index.offset || v.length > 16) throw new Error('not an index block')
    handles.push(h)
  }
  return handles
}

/** A data block's entries, or a range-deletion block's; throws if the block does not decode as one. */
function blockRows(block: Block, rangeDeletions: boolean): Row[] {
  const rows: Row[] = []
  const c = new BlockCursor(block, compareInternalKeys)
  let previous: Uint8Array | undefined
  for (c.seekToFirst(); c.valid(); c.next()) {
    const ikey = copyBytes(c.key())
    const kind = ikey.length >= TRAILER_SIZE ? kindOf(ikey) : -1
    const expected = rangeDeletions ? kind === ValueKind.RangeDeletion : kind === ValueKind.Value || kind === ValueKind.Deletion
    if (!expected) throw new Error('not an internal key of this block')
    if (previous !== undefined && compareInternalKeys(previous, ikey) >= 0) throw new Error('keys out of order')
    previous = ikey
    rows.push([userKeyOf(ikey), sequenceOf(ikey), kind as ValueKind, copyBytes(c.value())])
  }
  return rows
}

/** Where the data blocks end: at the first block the footer points at. */
function dataRegionEnd(footer: Footer): number {
  const starts = [footer.index.offset, footer.properties.offset]
  if (footer.filter.size > 0) starts.push(footer.filter.offset)
  return Math.min(...starts)
}

/** The end of the blocks when the footer is unreadable: before it if it is there at all, else the file was cut short. */
function scanEnd(bytes: Uint8Array): number {
  const hasFooter = bytes.length >= FOOTER_SIZE && getU32(bytes, bytes.length - 4) === TABLE_MAGIC_HI
  return hasFooter ? bytes.length - FOOTER_SIZE : bytes.length
}
