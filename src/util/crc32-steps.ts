// CRC-32 (IEEE, the zlib CRC that table checksums use) one byte at a time, forwards and
// backwards. Reading a table uses zlib's native crc32; these are for scanning a damaged one
// for block boundaries, which needs the checksum of every prefix of a run of bytes
// (forwards) and the start of the run that a stored checksum implies (backwards).
//
// The register starts at CRC32_START; crc32(bytes) is the complement of the register after
// the last byte. Stepping back works because no two table entries share a top byte, so the
// register after a step names the entry it used.

const POLYNOMIAL = 0xedb88320
const TABLE = new Uint32Array(256)
/** The table index whose entry has a given top byte. */
const INDEX_BY_TOP_BYTE = new Uint8Array(256)
for (let i = 0; i < 256; i++) {
  let c = i
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1
  TABLE[i] = c >>> 0
  INDEX_BY_TOP_BYTE[c >>> 24] = i
}

export const CRC32_START = 0xffffffff

/** The register after feeding byte b. */
export function crc32Step(register: number, b: number): number {
  return (TABLE[(register ^ b) & 0xff]! ^ (register >>> 8)) >>> 0
}

/** The register before byte b was fed, given the register after it. */
export function crc32StepBack(register: number, b: number): number {
  const i = INDEX_BY_TOP_BYTE[register >>> 24]!
  return (((register ^ TABLE[i]!) << 8) | (i ^ b)) >>> 0
}

/** The register at the end of a run of bytes whose crc32 is `crc`. */
export const crc32Register = (crc: number): number => ~crc >>> 0
