// What LevelDB writes, for write amplification computed as Shale computes its own (user bytes
// in; log and table bytes out). LevelDB reports neither number directly, so the log's bytes
// come from its format and the tables' from the "leveldb.stats" property. Both are estimates:
// the property rounds to whole megabytes per level.

// LevelDB's log does not report its size, so it is computed from its format: a batch is a
// 12-byte header plus, per put, a tag byte, two varint lengths and the bytes; a log record
// adds a 7-byte header per fragment of at most one 32 KiB block. Keys here are ASCII, so
// length in UTF-16 units is length in bytes.
export const BATCH_HEADER = 12
const varintBytes = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4)
export const batchBytes = (keyLength: number, valueLength: number): number => BATCH_HEADER + 1 + varintBytes(keyLength) + keyLength + varintBytes(valueLength) + valueLength
export const logRecordBytes = (payload: number): number => payload + 7 * Math.ceil((payload + 7) / 32768)

/**
 * Bytes written to tables, from the "leveldb.stats" property: the sum of its Write(MB)
 * column, whole megabytes per level. A flush is counted in the row of the level its table
 * was placed at (LevelDB may push a memtable's table past level 0), so flushes are included.
 */
export function tableBytesWritten(stats: string): number {
  let mb = 0
  for (const line of stats.split('\n')) {
    const cols = line.trim().split(/\s+/)
    if (cols.length === 6 && /^\d+$/.test(cols[0]!)) mb += Number(cols[5])
  }
  return mb * 1048576
}

/**
 * The log bytes of classic-level's clear() over `n` keys of `keyLength` bytes. Its native
 * clear deletes key by key, writing a batch each time the keys read pass 16 KiB, so a batch
 * holds floor(16384 / keyLength) + 1 deletions (a tag byte, a varint length and the key).
 */
export function clearLogBytes(n: number, keyLength: number): number {
  const perBatch = Math.floor(16384 / keyLength) + 1
  const deletion = 1 + varintBytes(keyLength) + keyLength
  let bytes = 0
  for (let left = n; left > 0; left -= perBatch) bytes += logRecordBytes(BATCH_HEADER + Math.min(left, perBatch) * deletion)
  return bytes
}
