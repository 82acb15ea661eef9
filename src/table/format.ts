// SSTable constants and the small codecs that the table builder and reader share: block
// handles, the 5-byte block trailer, block compression and the fixed-size footer (and its read). The prose
// version of this layout is docs/format.md#table; the two must change together.

import { ShaleError, corruption } from '../errors.js'
import { allocUninitialized, compareBytes, utf8 } from '../util/bytes.js'
import { ByteWriter, getU32, getVarint, putU32, putVarint } from '../util/coding.js'
import { crc32 } from '#runtime'
import { maskCrc, unmaskCrc } from '../util/crc32c.js'
import { compressBlock, decompressBlock } from '../util/lz4.js'
import type { RandomAccessFile } from '../vfs/file-system.js'
import { type Block, BlockCursor } from './block.js'
import { BlockBuilder } from './block-builder.js'

/**
 * Stored in each block trailer; on-disk values, never renumber. Lz4: the stored bytes are
 * `varint uncompressedLength | LZ4 block` (src/util/lz4.ts), the length first so a reader
 * allocates the output exactly once and can tell a short decode from a complete one.
 */
export const CompressionType = { None: 0, Lz4: 1 } as const
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType]

/**
 * Bumped when the table layout changes incompatibly. 1: no compression (every trailer says
 * type 0). 2: data blocks may be LZ4-compressed. 3: a range-deletion block, named by the
 * properties block, may follow the filter. Readers accept all three.
 */
export const TABLE_FORMAT_VERSION = 3
export const MIN_TABLE_FORMAT_VERSION = 1
/**
 * What a table without range deletions is written as: its layout is version 2's, and a store
 * that never deletes a range then stays readable by a Shale from before range deletions.
 */
export const PLAIN_TABLE_FORMAT_VERSION = 2

/** Compression type byte plus masked CRC-32 (see tableCrc), after every block's stored bytes. */
export const BLOCK_TRAILER_SIZE = 5

/**
 * The last 8 bytes of every table: ASCII "SHALETBL". Read as a little-endian u64 this is
 * 0x4C4254454C414853. Stored as two u32 halves because JS numbers stop at 2^53.
 */
export const TABLE_MAGIC_LO = 0x4c414853
export const TABLE_MAGIC_HI = 0x4c425445

/** Three handles of 12 bytes, version, checksum, magic. */
export const FOOTER_SIZE = 3 * 12 + 4 + 4 + 8
const FOOTER_CHECKSUM_AT = 40
const FOOTER_MAGIC_AT = 44

/** Where a block lives: `size` counts its stored bytes (compressed, if it is), not its trailer. */
export interface BlockHandle {
  offset: number
  size: number
}

export interface Footer {
  /** size 0 (and offset 0) when the table has no bloom filter. */
  filter: BlockHandle
  index: BlockHandle
  properties: BlockHandle
  version: number
}

/** Appends a handle as varint offset then varint size. */
export function encodeBlockHandle(out: ByteWriter, handle: BlockHandle): void {
  out.varint(handle.offset).varint(handle.size)
}

/**
 * Decodes a handle from buf at `at` (index values hold exactly one). Throws RangeError on
 * a truncated or overlong varint; the caller knows the file and block to blame.
 */
export function decodeBlockHandle(buf: Uint8Array, at = 0): BlockHandle {
  // Hand-rolled instead of getVarint: this runs on every table lookup, and avoiding the
  // [value, next] tuples keeps it allocation-free apart from the result.
  let offset = 0
  let scale = 1
  let p = at
  for (let i = 0; ; i++) {
    if (i === 8) throw new RangeError(`block handle offset at ${at} is longer than 8 bytes`)
    if (p >= buf.length) throw new RangeError(`block handle at ${at} runs past ${buf.length} bytes`)
    const b = buf[p++]!
    offset += (b & 0x7f) * scale
    if (b < 0x80) break
    scale *= 0x80
  }
  let size = 0
  scale = 1
  for (let i = 0; ; i++) {
    if (i === 8) throw new RangeError(`block handle size at ${at} is longer than 8 bytes`)
    if (p >= buf.length) throw new RangeError(`block handle at ${at} runs past ${buf.length} bytes`)
    const b = buf[p++]!
    size += (b & 0x7f) * scale
    if (b < 0x80) break
    scale *= 0x80
  }
  return { offset, size }
}

const typeByte = new Uint8Array(1)

/**
 * Table checksums are CRC-32 (IEEE, zlib's) rather than the log's CRC-32C: node:zlib
 * computes it natively, measured 5x faster here (1.2 vs 6.1 us per 4 KiB block) than
 * CRC-32C in JavaScript, and every block read from disk is verified.
 */
export function tableCrc(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  return crc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), previous)
}

/** Masked CRC-32 over a block's stored bytes followed by the compression type byte. */
export function blockChecksum(stored: Uint8Array, type: number): number {
  typeByte[0] = type
  return maskCrc(tableCrc(typeByte, 0, 1, tableCrc(stored)))
}

/** Appends the 5-byte trailer for a block's `stored` bytes (which the caller has already written). */
export function writeBlockTrailer(out: ByteWriter, stored: Uint8Array, type: CompressionType = CompressionType.None): void {
  out.u8(type).u32(blockChecksum(stored, type))
}

/**
 * Compresses block contents for storage: returns a view of `scratch` holding `varint length |
 * LZ4 block`, or undefined when that would not save at least 1/8 of the block (LevelDB's
 * rule: below that, decompressing on every read is not worth the disk it saves), and the
 * caller stores the contents as is. REQUIRES: scratch.length >= contents.length.
 */
export function compressForStorage(contents: Uint8Array, scratch: Uint8Array): Uint8Array | undefined {
  const n = contents.length
  const budget = n - Math.floor(n / 8) - 1
  const prefix = putVarint(scratch, 0, n)
  if (budget <= prefix) return undefined
  // dst ends at the budget, so the encoder gives up as soon as the saving is out of reach.
  const written = compressBlock(contents, scratch.subarray(prefix, budget))
  return written === 0 ? undefined : scratch.subarray(0, prefix + written)
}

/**
 * Checks a block read from disk as stored bytes + trailer, and returns its contents: a view
 * of `raw` for type 0, a fresh decompressed buffer for type 1. With verifyChecksum false the
 * checksum is skipped, but the length, type and (for LZ4) the decoding are still checked.
 * `formatVersion` is the table's: type 1 does not exist in version 1 tables.
 */
export function checkBlock(raw: Uint8Array, handle: BlockHandle, fileName: string, verifyChecksum: boolean, formatVersion: number): Uint8Array {
  const where = `block at offset ${handle.offset}`
  if (raw.length !== handle.size + BLOCK_TRAILER_SIZE) {
    throw corruption(fileName, `${where}: read ${raw.length} bytes, expected ${handle.size + BLOCK_TRAILER_SIZE}`)
  }
  const stored = raw.subarray(0, handle.size)
  const type = raw[handle.size]!
  if (type !== CompressionType.None && type !== CompressionType.Lz4) {
    throw corruption(fileName, `${where}: unknown compression type ${type} in block trailer`)
  }
  if (type === CompressionType.Lz4 && formatVersion < 2) {
    throw corruption(fileName, `${where}: compression type ${type} in a version ${formatVersion} table, which has no compression`)
  }
  // The checksum covers the bytes as stored, so damage is caught before it reaches the decoder.
  if (verifyChecksum) {
    const expected = getU32(raw, handle.size + 1)
    const actual = blockChecksum(stored, type)
    if (expected !== actual) {
      throw corruption(
        fileName,
        `${where}: checksum mismatch (stored 0x${unmaskCrc(expected).toString(16)}, computed 0x${unmaskCrc(actual).toString(16)})`,
      )
    }
  }
  return type === CompressionType.None ? stored : decompressStored(stored, where, fileName)
}

/** Undoes compressForStorage; any failure is CORRUPTION naming the block. */
function decompressStored(stored: Uint8Array, where: string, fileName: string): Uint8Array {
  let length: number
  let at: number
  try {
    ;[length, at] = getVarint(stored, 0)
  } catch (err) {
    throw corruption(fileName, `${where}: bad uncompressed length: ${(err as Error).message}`)
  }
  // Each LZ4 input byte yields at most 255 output bytes; a larger claim is damage, and
  // refusing it bounds what a damaged length can make us allocate.
  const payload = stored.subarray(at)
  if (length > payload.length * 255 + 16) {
    throw corruption(fileName, `${where}: uncompressed length ${length} is impossible for ${payload.length} bytes of LZ4 data`)
  }
  let contents: Uint8Array
  let written: number
  try {
    // Placed so that the restart array at the end starts 4-byte aligned (it starts at a
    // multiple of 4 from the end): Block then reads it in place (block.ts).
    const pad = (4 - (length & 3)) & 3
    contents = allocUninitialized(length + pad).subarray(pad)
    written = decompressBlock(payload, contents)
  } catch (err) {
    // RangeError: the decoder's verdict on the data (or an allocation the length made impossible).
    if (!(err instanceof RangeError)) throw err
    throw corruption(fileName, `${where}: LZ4 data is damaged (${err.message})`)
  }
  if (written !== length) throw corruption(fileName, `${where}: LZ4 data decoded to ${written} bytes, expected ${length}`)
  return contents
}

function putHandle(buf: Uint8Array, at: number, h: BlockHandle): void {
  if (h.size > 0xffffffff) throw new RangeError(`Cannot encode footer: block of ${h.size} bytes exceeds 4 GiB`)
  putU32(buf, at, h.offset >>> 0)
  putU32(buf, at + 4, Math.floor(h.offset / 0x100000000))
  putU32(buf, at + 8, h.size)
}

export function encodeFooter(footer: Omit<Footer, 'version'>, version = TABLE_FORMAT_VERSION): Uint8Array {
  const buf = new Uint8Array(FOOTER_SIZE)
  putHandle(buf, 0, footer.filter)
  putHandle(buf, 12, footer.index)
  putHandle(buf, 24, footer.properties)
  putU32(buf, 36, version)
  putU32(buf, FOOTER_CHECKSUM_AT, maskCrc(tableCrc(buf, 0, FOOTER_CHECKSUM_AT)))
  putU32(buf, FOOTER_MAGIC_AT, TABLE_MAGIC_LO)
  putU32(buf, FOOTER_MAGIC_AT + 4, TABLE_MAGIC_HI)
  return buf
}

/**
 * Decodes and validates the last FOOTER_SIZE bytes of a table of `fileSize` bytes: magic,
 * checksum, version, and that every handle (plus its trailer) ends before the footer.
 */
export function decodeFooter(bytes: Uint8Array, fileSize: number, fileName: string): Footer {
  const footerAt = fileSize - FOOTER_SIZE
  const where = `footer at offset ${footerAt}`
  if (bytes.length !== FOOTER_SIZE) throw corruption(fileName, `${where}: read ${bytes.length} bytes, expected ${FOOTER_SIZE}`)
  // Magic first: a wrong magic usually means "not a table" or a truncated file, which is a
  // more useful report than the checksum mismatch that would follow.
  if (getU32(bytes, FOOTER_MAGIC_AT) !== TABLE_MAGIC_LO || getU32(bytes, FOOTER_MAGIC_AT + 4) !== TABLE_MAGIC_HI) {
    throw corruption(fileName, `${where}: bad magic number (not a Shale table, or truncated)`)
  }
  const stored = getU32(bytes, FOOTER_CHECKSUM_AT)
  const actual = maskCrc(tableCrc(bytes, 0, FOOTER_CHECKSUM_AT))
  if (stored !== actual) {
    throw corruption(fileName, `${where}: checksum mismatch (stored 0x${unmaskCrc(stored).toString(16)}, computed 0x${unmaskCrc(actual).toString(16)})`)
  }
  const version = getU32(bytes, 36)
  if (version < MIN_TABLE_FORMAT_VERSION || version > TABLE_FORMAT_VERSION) {
    throw corruption(fileName, `${where}: unsupported table format version ${version}`)
  }
  const handle = (at: number, name: string, optional: boolean): BlockHandle => {
    const lo = getU32(bytes, at)
    const hi = getU32(bytes, at + 4)
    if (hi > 0x1fffff) throw corruption(fileName, `${where}: ${name} block offset exceeds 2^53`)
    const h = { offset: hi * 0x100000000 + lo, size: getU32(bytes, at + 8) }
    if (optional && h.size === 0) {
      if (h.offset !== 0) throw corruption(fileName, `${where}: empty ${name} block has nonzero offset ${h.offset}`)
      return h
    }
    if (h.offset + h.size + BLOCK_TRAILER_SIZE > footerAt) {
      throw corruption(fileName, `${where}: ${name} block (offset ${h.offset}, ${h.size} bytes) runs past the data region ending at ${footerAt}`)
    }
    return h
  }
  return {
    filter: handle(0, 'filter', true),
    index: handle(12, 'index', false),
    properties: handle(24, 'properties', false),
    version,
  }
}

/**
 * Reads and decodes the footer at the end of `file`, where every reader of a table starts:
 * CORRUPTION when the file is too short to hold one, the read comes up short, or
 * decodeFooter refuses it.
 */
export function readFooter(file: RandomAccessFile, fileName: string): Footer {
  const size = file.size
  if (size < FOOTER_SIZE) throw corruption(fileName, `file is ${size} bytes, shorter than the ${FOOTER_SIZE}-byte footer every table ends with`)
  let bytes: Uint8Array
  try {
    bytes = file.read(size - FOOTER_SIZE, FOOTER_SIZE)
  } catch (err) {
    if (err instanceof ShaleError && err.code === 'CORRUPTION') throw corruption(fileName, `footer at offset ${size - FOOTER_SIZE}: short read (${err.message})`)
    throw err
  }
  return decodeFooter(bytes, size, fileName)
}

/** Table-wide statistics, stored in the properties block. */
export interface TableProperties {
  entries: number
  deletions: number
  dataBlocks: number
  /** Sum of user key lengths (without the 8-byte internal trailer). */
  rawKeyBytes: number
  rawValueBytes: number
  /** Lowest and highest sequence number of any entry. */
  smallestSeq: number
  largestSeq: number
  /**
   * Optional (version 3, only when the table has range tombstones): how many, and the
   * range-deletion block's handle. Absent means none.
   */
  rangeDeletions?: number
  rangeDeletionOffset?: number
  rangeDeletionSize?: number
}

/** Properties a table may lack: absent in tables before version 3 and in tables without range tombstones. */
const OPTIONAL_PROPERTIES = new Set<keyof TableProperties>(['rangeDeletions', 'rangeDeletionOffset', 'rangeDeletionSize'])

/** Property names as stored; on-disk strings, never rename. */
export const PropertyName: { readonly [K in keyof TableProperties]-?: string } = {
  dataBlocks: 'shale.data.blocks',
  deletions: 'shale.num.deletions',
  entries: 'shale.num.entries',
  rawKeyBytes: 'shale.raw.key.bytes',
  rawValueBytes: 'shale.raw.value.bytes',
  rangeDeletions: 'shale.num.range.deletions',
  rangeDeletionOffset: 'shale.range.deletions.offset',
  rangeDeletionSize: 'shale.range.deletions.size',
  largestSeq: 'shale.seq.largest',
  smallestSeq: 'shale.seq.smallest',
}

const propertyFields = (Object.keys(PropertyName) as (keyof TableProperties)[]).sort((a, b) =>
  compareBytes(utf8(PropertyName[a]), utf8(PropertyName[b])),
)

/** The properties block contents: names (bytewise sorted) mapping to varint values. */
export function encodeProperties(props: TableProperties): Uint8Array {
  const block = new BlockBuilder(1, 256)
  const value = new ByteWriter(16)
  for (const field of propertyFields) {
    if (props[field] === undefined) continue
    value.reset()
    value.varint(props[field]!)
    block.add(utf8(PropertyName[field]), value.view())
  }
  return block.finish().slice()
}

/** Reads a properties block; unknown names are skipped so later versions can add some. */
export function decodeProperties(block: Block): TableProperties {
  const byName = new Map<string, keyof TableProperties>()
  for (const field of propertyFields) byName.set(PropertyName[field], field)
  const found: Partial<TableProperties> = {}
  const decoder = new TextDecoder()
  const cursor = new BlockCursor(block, compareBytes)
  for (cursor.seekToFirst(); cursor.valid(); cursor.next()) {
    const field = byName.get(decoder.decode(cursor.key()))
    if (field === undefined) continue
    const raw = cursor.value()
    let decoded: number
    try {
      const [v, next] = getVarint(raw, 0)
      if (next !== raw.length) throw new RangeError(`${raw.length - next} trailing bytes`)
      decoded = v
    } catch (err) {
      throw block.corrupt(`property ${PropertyName[field]} has a bad value: ${(err as Error).message}`)
    }
    found[field] = decoded
  }
  for (const field of propertyFields) {
    if (found[field] === undefined && !OPTIONAL_PROPERTIES.has(field)) throw block.corrupt(`property ${PropertyName[field]} is missing`)
  }
  const rd = [found.rangeDeletions, found.rangeDeletionOffset, found.rangeDeletionSize]
  if (rd.some((v) => v === undefined) && rd.some((v) => v !== undefined)) throw block.corrupt('range-deletion properties are incomplete')
  return found as TableProperties
}
