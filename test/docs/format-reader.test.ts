// An independent reader written from docs/format.md alone (it imports nothing from src/
// except to produce the files): if the document drifts from the code, this test fails.

import assert from 'node:assert/strict'
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { crc32 } from 'node:zlib'
import { Shale, type DbStats } from '../../src/index.js'
import { Random } from '../helpers/random.js'
import { tempDir } from '../helpers/temp-dir.js'

const u32 = (b: Buffer, at: number): number => b.readUInt32LE(at)
const mask = (c: number): number => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0

function varint(b: Buffer, at: number): [number, number] {
  let v = 0
  let scale = 1
  for (;;) {
    const x = b[at++]!
    v += (x & 0x7f) * scale
    if (x < 0x80) return [v, at]
    scale *= 128
  }
}

/** The LZ4 block format as docs/format.md describes it: sequences until the data runs out. */
function lz4Decode(data: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n)
  let ip = 0
  let op = 0
  const length = (nibble: number): number => {
    let len = nibble
    if (nibble === 15) {
      let b: number
      do {
        assert.ok(ip < data.length, 'length bytes run past the data')
        b = data[ip++]!
        len += b
      } while (b === 255)
    }
    return len
  }
  for (;;) {
    assert.ok(ip < data.length, 'data ends where a token belongs')
    const token = data[ip++]!
    const literals = length(token >> 4)
    assert.ok(ip + literals <= data.length && op + literals <= n, 'literals fit')
    data.copy(out, op, ip, ip + literals)
    ip += literals
    op += literals
    if (ip === data.length) break
    assert.ok(ip + 2 <= data.length, 'offset fits')
    const offset = data.readUInt16LE(ip)
    ip += 2
    assert.ok(offset >= 1 && offset <= op, `offset ${offset} at output ${op}`)
    const match = length(token & 15) + 4
    assert.ok(op + match <= n, 'match fits')
    for (let i = 0; i < match; i++, op++) out[op] = out[op - offset]!
  }
  assert.equal(op, n, 'decompressed length')
  return out
}

/** A block's contents: checksum over the stored bytes, then type 1 is `varint n | LZ4 block`. */
function blockContents(file: Buffer, offset: number, size: number, version: number): Buffer {
  const stored = file.subarray(offset, offset + size)
  const type = file[offset + size]!
  assert.equal(u32(file, offset + size + 1), mask(crc32(Buffer.concat([stored, Buffer.of(type)]))), 'block checksum')
  if (type === 0) return stored
  assert.ok(type === 1 && version >= 2, `compression type ${type} in a version ${version} table`)
  const [n, at] = varint(stored, 0)
  return lz4Decode(stored.subarray(at), n)
}

/** Decodes a block (entries + restart array) into [key, value] pairs. */
function readBlock(file: Buffer, offset: number, storedSize: number, version: number): [Buffer, Buffer][] {
  const contents = blockContents(file, offset, storedSize, version)
  const size = contents.length
  const count = u32(contents, size - 4)
  const end = size - 4 - 4 * count
  const out: [Buffer, Buffer][] = []
  let prev = Buffer.alloc(0)
  for (let p = 0; p < end; ) {
    let shared: number, unshared: number, vlen: number
    ;[shared, p] = varint(contents, p)
    ;[unshared, p] = varint(contents, p)
    ;[vlen, p] = varint(contents, p)
    const key = Buffer.concat([prev.subarray(0, shared), contents.subarray(p, p + unshared)])
    p += unshared
    out.push([key, contents.subarray(p, p + vlen)])
    p += vlen
    prev = key
  }
  return out
}

type RangeDeletionRow = { start: string; end: string; seq: number; kind: number }

function readTable(path: string): { rows: { key: string; seq: number; kind: number; value: string }[]; dataBlockTypes: number[]; rangeDeletions: RangeDeletionRow[] } {
  const file = readFileSync(path)
  const f = file.subarray(file.length - 52)
  assert.equal(f.subarray(40 + 4).toString('latin1'), 'SHALETBL')
  assert.equal(u32(f, 40), mask(crc32(f.subarray(0, 40))), 'footer checksum')
  const version = u32(f, 36)
  assert.ok(version >= 1 && version <= 3, 'format version')
  const u64 = (at: number): number => u32(f, at) + u32(f, at + 4) * 2 ** 32
  const index = readBlock(file, u64(12), u32(f, 20), version)
  // Version 3: the properties name the range-deletion block, when the table has one.
  const props = new Map(readBlock(file, u64(24), u32(f, 32), version).map(([k, v]) => [k.toString(), varint(v, 0)[0]]))
  const rangeDeletions: RangeDeletionRow[] = []
  if (props.has('shale.num.range.deletions')) {
    assert.equal(version, 3)
    for (const [ikey, end] of readBlock(file, props.get('shale.range.deletions.offset')!, props.get('shale.range.deletions.size')!, version)) {
      let seq = 0
      for (let i = ikey.length - 1; i > ikey.length - 8; i--) seq = seq * 256 + ikey[i]!
      rangeDeletions.push({ start: ikey.subarray(0, ikey.length - 8).toString(), end: end.toString(), seq, kind: ikey[ikey.length - 8]! })
    }
    assert.equal(rangeDeletions.length, props.get('shale.num.range.deletions'))
  }
  const rows = []
  const dataBlockTypes = []
  for (const [, handle] of index) {
    const [offset, next] = varint(handle, 0)
    const [size] = varint(handle, next)
    dataBlockTypes.push(file[offset + size]!)
    for (const [ikey, value] of readBlock(file, offset, size, version)) {
      const user = ikey.subarray(0, ikey.length - 8)
      const kind = ikey[ikey.length - 8]!
      let seq = 0
      for (let i = ikey.length - 1; i > ikey.length - 8; i--) seq = seq * 256 + ikey[i]!
      rows.push({ key: user.toString(), seq, kind, value: value.toString() })
    }
  }
  return { rows, dataBlockTypes, rangeDeletions }
}

test('a range deletion is in the table as docs/format.md says: its block, sorted by start then newest first, kind 2', async () => {
  const dir = tempDir()
  try {
    const db = await Shale.open(dir.path)
    for (let i = 0; i < 10; i++) await db.put(`k${i}`, 'v')
    await db.deleteRange('k2', 'k5') // 11
    await db.deleteRange('k0', 'k1') // 12
    await db.deleteRange('k2', 'k3') // 13
    await db.flush()
    await db.close()
    const tables = readdirSync(dir.path).filter((n) => n.endsWith('.sst'))
    assert.equal(tables.length, 1)
    const { rows, rangeDeletions } = readTable(join(dir.path, tables[0]!))
    assert.equal(rows.length, 10, 'the covered entries are still there until a compaction')
    assert.deepEqual(rangeDeletions, [
      { start: 'k0', end: 'k1', seq: 12, kind: 2 },
      { start: 'k2', end: 'k3', seq: 13, kind: 2 },
      { start: 'k2', end: 'k5', seq: 11, kind: 2 },
    ])
  } finally {
    dir.remove()
  }
})

test('tables read by a reader written from docs/format.md hold exactly what was written', async () => {
  const dir = tempDir()
  try {
    const db = await Shale.open(dir.path, { blockSize: 256 })
    // Runs of up to 400 repeated bytes give LZ4 match lengths past 270, and 280 random
    // characters before a run give literal lengths past 270. Random text alone does not
    // compress, so those blocks are stored as is.
    const random = new Random(5)
    const text = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(32 + random.int(95))).join('')
    const values = Array.from({ length: 300 }, (_, i) =>
      i % 25 === 3 ? text(300) : i % 25 === 11 ? `${text(280)}${'y'.repeat(200)}` : `value-${i}-${'x'.repeat((i * 37) % 400)}`,
    )
    for (let i = 0; i < 300; i++) await db.put(`key-${String(i).padStart(4, '0')}`, values[i]!)
    await db.delete('key-0007')
    await db.flush()
    await db.close()
    const tables = readdirSync(dir.path).filter((n) => n.endsWith('.sst'))
    assert.equal(tables.length, 1)
    const { rows, dataBlockTypes } = readTable(join(dir.path, tables[0]!))
    assert.ok(dataBlockTypes.filter((t) => t === 1).length > 20, `LZ4 blocks were read: ${dataBlockTypes.join('')}`)
    assert.ok(dataBlockTypes.includes(0), 'and blocks stored as is')
    assert.equal(rows.length, 301)
    const live = rows.filter((r) => r.kind === 1)
    assert.equal(live.length, 300)
    assert.deepEqual(live.map((r) => [r.key, r.value]), values.map((v, i) => [`key-${String(i).padStart(4, '0')}`, v]))
    const tomb = rows.find((r) => r.kind === 0)!
    assert.equal(tomb.key, 'key-0007')
    assert.equal(tomb.seq, 301)
    // Internal order: user key ascending, then sequence descending.
    const i7 = rows.findIndex((r) => r.key === 'key-0007')
    assert.deepEqual([rows[i7]!.seq, rows[i7 + 1]!.seq], [301, 8])
    // CURRENT names the MANIFEST with a newline.
    assert.match(readFileSync(join(dir.path, 'CURRENT'), 'utf8'), /^MANIFEST-\d{6,}\n$/)
  } finally {
    dir.remove()
  }
})

/** CRC-32C as docs/format.md#primitives defines it: reflected polynomial 0x82F63B78. */
function crc32c(bytes: Buffer): number {
  let c = 0xffffffff
  for (const b of bytes) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

/** The records of a log-format file: 32 KiB blocks of chunks, FULL or FIRST, MIDDLE..., LAST. */
function readLogRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = []
  let pieces: Buffer[] = []
  for (let block = 0; block < file.length; block += 32768) {
    const end = Math.min(block + 32768, file.length)
    for (let p = block; end - p >= 7; ) {
      const length = file.readUInt16LE(p + 4)
      const type = file[p + 6]!
      if (type === 0) break
      assert.equal(u32(file, p), mask(crc32c(file.subarray(p + 6, p + 7 + length))), 'chunk checksum')
      const payload = file.subarray(p + 7, p + 7 + length)
      if (type === 1) records.push(payload)
      else if (type === 2) pieces = [payload]
      else if (type === 3) pieces.push(payload)
      else records.push(Buffer.concat([...pieces, payload]))
      p += 7 + length
    }
  }
  return records
}

test('crc32c matches the check value docs/format.md gives', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283)
})

/** Fills a small store until it has flushed and compacted, closes it and reads its MANIFEST's edits as written. */
async function compactedStoreManifest(dir: string): Promise<{ fields: EditField[]; stats: DbStats }> {
  const db = await Shale.open(dir, { memtableSize: 4096, blockSize: 256, l0CompactionTrigger: 2 })
  for (let i = 0; i < 3000; i++) await db.put(`key-${String(i % 700).padStart(4, '0')}`, `value-${i}`)
  await db.flush()
  await db.waitForCompactions()
  const stats = db.stats()
  await db.close()
  const manifest = readFileSync(join(dir, readFileSync(join(dir, 'CURRENT'), 'utf8').trim()))
  return { fields: readLogRecords(manifest).flatMap((r) => editFields(r)), stats }
}

test('the MANIFEST read by a reader written from docs/format.md holds the lifetime counters stats() reports', async () => {
  const dir = tempDir()
  try {
    const { fields, stats } = await compactedStoreManifest(dir.path)
    const expected = stats.lifetime
    const counters = fields.filter((f) => f.tag === 8192)
    assert.ok(counters.length > 0, 'edits carry tag 8192')
    const value = (counters[counters.length - 1] as { value: Buffer }).value
    const n: number[] = []
    for (let p = 0; p < value.length; ) {
      let v: number
      ;[v, p] = varint(value, p)
      n.push(v)
    }
    const [userBytes, walBytes, flushes, flushBytes, levels] = n
    assert.deepEqual({ userBytes, walBytes, flushes, flushBytes }, { userBytes: expected.userBytes, walBytes: expected.walBytesWritten, flushes: expected.flushes, flushBytes: expected.flushBytes })
    const perLevel = Array.from({ length: levels! }, (_, i) => n.slice(5 + 3 * i, 8 + 3 * i))
    assert.deepEqual(
      perLevel,
      expected.levels.slice(0, levels).map((l) => [l.compactions, l.compactionBytesRead, l.compactionBytesWritten]),
    )
    assert.ok(perLevel.some(([compactions]) => compactions! > 0), 'compactions were counted')
    assert.ok(expected.writeAmplification > 1)
  } finally {
    dir.remove()
  }
})

test('the MANIFEST read by a reader written from docs/format.md holds a compaction pointer (tag 8194) for each level compacted', async () => {
  const dir = tempDir()
  try {
    const { fields, stats } = await compactedStoreManifest(dir.path)
    const compactedLevels = stats.levels.filter((l) => l.compactions > 0).map((l) => l.level)
    const pointers = new Map<number, string>()
    for (const f of fields.filter((f) => f.tag === 8194)) {
      const value = (f as { value: Buffer }).value
      const [level, p] = varint(value, 0)
      assert.ok(level >= 0 && level <= 5, `level ${level}: a pointer is kept at a compaction's input level, never the last`)
      pointers.set(level, value.subarray(p).toString('utf8'))
    }
    assert.ok(pointers.size > 0, 'compaction edits carry their pointers')
    for (const key of pointers.values()) assert.match(key, /^key-\d{4}$/, 'a pointer is a user key')
    assert.ok(compactedLevels.length > 0, 'compactions ran')
  } finally {
    dir.remove()
  }
})

type EditField =
  | { tag: 6; level: number; number: number }
  | { tag: 7; level: number; number: number; size: number; smallest: Buffer; largest: Buffer }
  | { tag: number; value: Buffer | number }

/** Every field of a version edit in record order, repeated tags included. */
function editFields(record: Buffer): EditField[] {
  const out: EditField[] = []
  const lp = (at: number): [Buffer, number] => {
    const [n, p] = varint(record, at)
    return [record.subarray(p, p + n), p + n]
  }
  for (let p = 0; p < record.length; ) {
    let tag: number
    ;[tag, p] = varint(record, p)
    if (tag === 1 || tag >= 8192) {
      let value: Buffer
      ;[value, p] = lp(p)
      out.push({ tag, value })
    } else if (tag === 2 || tag === 3 || tag === 4) {
      let value: number
      ;[value, p] = varint(record, p)
      out.push({ tag, value })
    } else if (tag === 6) {
      let level: number, number: number
      ;[level, p] = varint(record, p)
      ;[number, p] = varint(record, p)
      out.push({ tag, level, number })
    } else {
      assert.equal(tag, 7, `known tag ${tag}`)
      let level: number, number: number, size: number, smallest: Buffer, largest: Buffer
      ;[level, p] = varint(record, p)
      ;[number, p] = varint(record, p)
      ;[size, p] = varint(record, p)
      ;[smallest, p] = lp(p)
      ;[largest, p] = lp(p)
      out.push({ tag, level, number, size, smallest, largest })
    }
  }
  return out
}

interface ManifestState {
  levels: Map<number, { level: number; size: number; smallest: Buffer; largest: Buffer }>
  logNumber: number
  lastSequence: number
  /** Tables some record deleted at one level and added at another (a trivial move). */
  moved: number[]
}

/** docs/format.md#applying-a-version-edit: per record, deletions first, then additions. */
function replayManifest(dir: string): ManifestState {
  const manifest = readFileSync(join(dir, readFileSync(join(dir, 'CURRENT'), 'utf8').trim()))
  const state: ManifestState = { levels: new Map(), logNumber: 0, lastSequence: 0, moved: [] }
  for (const record of readLogRecords(manifest)) {
    const fields = editFields(record)
    const deleted = fields.filter((f): f is Extract<EditField, { tag: 6 }> => f.tag === 6)
    const added = fields.filter((f): f is Extract<EditField, { tag: 7 }> => f.tag === 7)
    for (const d of deleted) if (state.levels.get(d.number)?.level === d.level) state.levels.delete(d.number)
    for (const a of added) {
      state.levels.set(a.number, { level: a.level, size: a.size, smallest: a.smallest, largest: a.largest })
      if (deleted.some((d) => d.number === a.number && d.level < a.level)) state.moved.push(a.number)
    }
    for (const f of fields) {
      if (f.tag === 2) state.logNumber = (f as { value: number }).value
      if (f.tag === 4) state.lastSequence = Math.max(state.lastSequence, (f as { value: number }).value)
    }
  }
  return state
}

const boundOf = (ikey: Buffer): { key: string; kind: number; seq: number } => {
  let seq = 0
  for (let i = ikey.length - 1; i > ikey.length - 8; i--) seq = seq * 256 + ikey[i]!
  return { key: ikey.subarray(0, ikey.length - 8).toString(), kind: ikey[ikey.length - 8]!, seq }
}

/** The write batches of a write-ahead log, as docs/format.md#write-batch lays them out. */
function logEntries(file: Buffer): { key: string; seq: number; kind: number; value: string }[] {
  const out = []
  for (const record of readLogRecords(file)) {
    let seq = u32(record, 0) + u32(record, 4) * 2 ** 32
    const count = u32(record, 8)
    let p = 12
    for (let i = 0; i < count; i++) {
      const kind = record[p++]!
      let n: number
      ;[n, p] = varint(record, p)
      const key = record.subarray(p, p + n).toString()
      p += n
      let value = ''
      // A Value carries its value, a RangeDeletion its exclusive end.
      if (kind === 1 || kind === 2) {
        ;[n, p] = varint(record, p)
        value = record.subarray(p, p + n).toString()
        p += n
      }
      out.push({ key, seq: seq++, kind, value })
    }
  }
  return out
}

function checkStore(dir: string, model: Map<string, string>): ManifestState {
  const state = replayManifest(dir)
  assert.ok(state.levels.size > 0, 'the MANIFEST lists tables')
  let tombstoneBounds = 0
  let largestTableSeq = 0
  const newest = new Map<string, { seq: number; kind: number; value: string }>()
  const offer = (e: { key: string; seq: number; kind: number; value: string }): void => {
    if ((newest.get(e.key)?.seq ?? -1) < e.seq) newest.set(e.key, e)
  }
  for (const [number, meta] of state.levels) {
    const { rows } = readTable(join(dir, `${String(number).padStart(6, '0')}.sst`))
    const first = rows[0]!
    const last = rows[rows.length - 1]!
    // The bounds are the user key and sequence of the first and last entry; the kind byte is 1.
    assert.deepEqual(boundOf(meta.smallest), { key: first.key, kind: 1, seq: first.seq }, `smallest bound of table ${number}`)
    assert.deepEqual(boundOf(meta.largest), { key: last.key, kind: 1, seq: last.seq }, `largest bound of table ${number}`)
    if (first.kind === 0 || last.kind === 0) tombstoneBounds++
    for (const r of rows) {
      largestTableSeq = Math.max(largestTableSeq, r.seq)
      offer(r)
    }
  }
  assert.ok(tombstoneBounds > 0, 'some table begins or ends with a tombstone')
  assert.ok(state.lastSequence >= largestTableSeq, 'the recorded last sequence covers every table')
  let largestLogSeq = 0
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log') && Number(n.slice(0, -4)) >= state.logNumber)) {
    for (const e of logEntries(readFileSync(join(dir, name)))) {
      largestLogSeq = Math.max(largestLogSeq, e.seq)
      offer(e)
    }
  }
  assert.ok(Math.max(state.lastSequence, largestLogSeq) >= largestTableSeq)
  // How entries combine: per user key, the entry with the highest sequence wins.
  const live = new Map([...newest].filter(([, e]) => e.kind === 1).map(([k, e]) => [k, e.value]))
  assert.deepEqual(new Map([...live].sort()), new Map([...model].sort()))
  return state
}

test('MANIFEST bounds are the first and last entries of each table (kind byte 1), and the highest sequence across levels and logs wins', async () => {
  const dir = tempDir()
  try {
    const model = new Map<string, string>()
    const put = async (db: Shale, k: string, v: string): Promise<void> => {
      await db.put(k, v)
      model.set(k, v)
    }
    const del = async (db: Shale, k: string): Promise<void> => {
      await db.delete(k)
      model.delete(k)
    }
    // l0CompactionTrigger 1: a lone level-0 table whose range nothing below overlaps moves
    // down trivially, keeping its tombstone bounds; overlapping ones are rewritten.
    const db = await Shale.open(dir.path, { blockSize: 256, l0CompactionTrigger: 1 })
    for (const range of ['a', 'b']) {
      for (let i = 0; i < 50; i++) await put(db, `${range}-${String(i).padStart(3, '0')}`, `v${i}`)
      await del(db, `${range}-000`)
      await del(db, `${range}-049`)
      await db.flush()
      await db.waitForCompactions()
    }
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 200; i++) await put(db, `c-${String((i * 7 + round) % 150).padStart(3, '0')}`, `r${round}-${i}`)
      for (let i = round; i < 150; i += 9) await del(db, `c-${String(i).padStart(3, '0')}`)
      await db.flush()
      await db.waitForCompactions()
    }
    // Left in the log, newer than the tables: a put over a table's key, a delete of another.
    await put(db, 'a-010', 'from the log')
    await del(db, 'b-020')
    await db.close()
    const state = checkStore(dir.path, model)
    assert.ok(state.moved.length > 0, 'a trivial move was recorded as delete + add')
    assert.ok(state.moved.some((n) => state.levels.has(n)), 'a moved table is still live')
    // A new MANIFEST re-records every bound in its snapshot.
    await (await Shale.open(dir.path)).close()
    checkStore(dir.path, model)
  } finally {
    dir.remove()
  }
})

/** The offsets of a log's chunks, in order (an undamaged log). */
function chunkOffsets(file: Buffer): number[] {
  const out: number[] = []
  for (let block = 0; block < file.length; block += 32768) {
    const end = Math.min(block + 32768, file.length)
    for (let p = block; end - p >= 7 && file[p + 6] !== 0; p += 7 + file.readUInt16LE(p + 4)) out.push(p)
  }
  return out
}

/**
 * docs/format.md "What open does with damage": a record start after the damage is any later
 * byte offset, outside a block's last 6 bytes, holding a FULL or FIRST chunk that fits its
 * block and the file and whose checksum verifies.
 */
function recordStartAfter(file: Buffer, damage: number): number | undefined {
  for (let q = damage + 1; q + 7 <= file.length; q++) {
    const inBlock = q % 32768
    if (inBlock > 32768 - 7) continue
    const type = file[q + 6]!
    const length = file.readUInt16LE(q + 4)
    if ((type !== 1 && type !== 2) || inBlock + 7 + length > 32768 || q + 7 + length > file.length) continue
    if (u32(file, q) === mask(crc32c(file.subarray(q + 6, q + 7 + length)))) return q
  }
  return undefined
}

async function openOutcome(dir: string, options: object, keys: number): Promise<string | number> {
  try {
    const db = await Shale.open(dir, options)
    let present = 0
    for (let i = 0; i < keys; i++) if ((await db.get(`k${i}`)) !== undefined) present++
    await db.close()
    return present
  } catch (err) {
    if ((err as { code?: string }).code === 'CORRUPTION') return 'CORRUPTION'
    throw err
  }
}

test('open applies the documented rule to damage in a log and in the MANIFEST', async () => {
  const base = tempDir()
  const scratch: { remove: () => void }[] = []
  try {
    const keys = 40
    const db = await Shale.open(base.path)
    for (let i = 0; i < keys; i++) await db.put(`k${i}`, `value ${i}`)
    await db.close()
    assert.ok(!existsSync(join(base.path, 'LOCK')), 'close() removes LOCK')
    const logName = readdirSync(base.path).find((n) => n.endsWith('.log'))!
    const log = readFileSync(join(base.path, logName))
    const chunks = chunkOffsets(log)
    assert.equal(chunks.length, keys, 'one record per put, all in one block')

    const variant = (name: string, damage: (b: Buffer) => Buffer): string => {
      const d = tempDir()
      scratch.push(d)
      cpSync(base.path, d.path, { recursive: true })
      writeFileSync(join(d.path, name), damage(Buffer.from(readFileSync(join(base.path, name)))))
      return d.path
    }
    const flip = (at: number) => (b: Buffer): Buffer => {
      b[at]! ^= 0x40
      return b
    }
    const cases: { what: string; damageAt: number; damage: (b: Buffer) => Buffer; tolerate: string | number; pointInTime: number }[] = [
      { what: 'last record', damageAt: chunks[keys - 1]!, damage: flip(chunks[keys - 1]! + 9), tolerate: keys - 1, pointInTime: keys - 1 },
      { what: 'a payload byte mid-log', damageAt: chunks[10]!, damage: flip(chunks[10]! + 9), tolerate: 'CORRUPTION', pointInTime: 10 },
      // A length running past the block: a reader resyncs at the next block (there is none),
      // but open searches every later offset and finds record 11.
      {
        what: 'a length mid-log',
        damageAt: chunks[10]!,
        damage: (b) => {
          b.writeUInt16LE(40000 % 32768, chunks[10]! + 4)
          return b
        },
        tolerate: 'CORRUPTION',
        pointInTime: 10,
      },
      { what: 'a zeroed header mid-log', damageAt: chunks[10]!, damage: (b) => b.fill(0, chunks[10]!, chunks[10]! + 7), tolerate: 'CORRUPTION', pointInTime: 10 },
    ]
    for (const c of cases) {
      const damaged = c.damage(Buffer.from(log))
      const documented = recordStartAfter(damaged, c.damageAt) === undefined ? 'tail' : 'CORRUPTION'
      assert.equal(documented, c.tolerate === 'CORRUPTION' ? 'CORRUPTION' : 'tail', `the documented rule, ${c.what}`)
      assert.equal(await openOutcome(variant(logName, c.damage), {}, keys), c.tolerate, `tolerate-tail, ${c.what}`)
      assert.equal(await openOutcome(variant(logName, c.damage), { walRecovery: 'point-in-time' }, keys), c.pointInTime, `point-in-time, ${c.what}`)
    }

    // The MANIFEST: a torn tail is ignored; damage with a valid record after it is refused.
    const manifestName = readFileSync(join(base.path, 'CURRENT'), 'utf8').trim()
    const manifest = readFileSync(join(base.path, manifestName))
    const records = chunkOffsets(manifest)
    assert.ok(records.length >= 2, 'the MANIFEST holds a snapshot and an edit')
    const torn = Buffer.concat([manifest, Buffer.of(0x12, 0x34, 0x56, 0x78)])
    assert.equal(recordStartAfter(torn, manifest.length), undefined)
    assert.equal(await openOutcome(variant(manifestName, () => torn), {}, keys), keys, 'a torn MANIFEST tail')
    assert.ok(recordStartAfter(flip(9)(Buffer.from(manifest)), 0) !== undefined)
    assert.equal(await openOutcome(variant(manifestName, flip(9)), {}, keys), 'CORRUPTION', 'a damaged first MANIFEST record')
  } finally {
    for (const d of scratch) d.remove()
    base.remove()
  }
})

test('range deletions as docs/format.md says: kind 2 in the log with a concrete end, table bounds, tag 8195, a table with no entries', async () => {
  const dir = tempDir()
  try {
    let db = await Shale.open(dir.path)
    await db.put('m1', 'v') // 1
    await db.deleteRange('b', 'c') // 2
    await db.deleteRange('m') // 3: no end given; logged as the successor of 'm1'
    await db.close()
    const logs = (): string[] => readdirSync(dir.path).filter((n) => n.endsWith('.log')).sort()
    assert.deepEqual(logs().flatMap((n) => logEntries(readFileSync(join(dir.path, n)))), [
      { key: 'm1', seq: 1, kind: 1, value: 'v' },
      { key: 'b', seq: 2, kind: 2, value: 'c' },
      { key: 'm', seq: 3, kind: 2, value: 'm1\0' },
    ])
    db = await Shale.open(dir.path) // recovery writes the log into a table
    await db.deleteRange('x', 'y') // 4, alone in its memtable
    await db.flush()
    await db.deleteRange('zz') // nothing stored at or after 'zz': nothing is written
    await db.put('q', 'v') // so this is 5
    await db.close()
    assert.deepEqual(logs().flatMap((n) => logEntries(readFileSync(join(dir.path, n)))).at(-1), { key: 'q', seq: 5, kind: 1, value: 'v' })

    const state = replayManifest(dir.path)
    const manifest = readFileSync(join(dir.path, readFileSync(join(dir.path, 'CURRENT'), 'utf8').trim()))
    const counts = new Map<number, number>()
    for (const f of readLogRecords(manifest).flatMap((r) => editFields(r)).filter((f) => f.tag === 8195)) {
      const value = (f as { value: Buffer }).value
      const [number, p] = varint(value, 0)
      counts.set(number, varint(value, p)[0])
    }
    const tables = [...state.levels].sort(([a], [b]) => a - b)
    assert.equal(tables.length, 2)
    const [withEntries, a] = tables[0]!
    const [onlyRange, b] = tables[1]!
    assert.deepEqual(counts, new Map([[withEntries, 2], [onlyRange, 1]]), 'tag 8195: file number and count')

    const first = readTable(join(dir.path, `${String(withEntries).padStart(6, '0')}.sst`))
    assert.deepEqual(first.rows, [{ key: 'm1', seq: 1, kind: 1, value: 'v' }])
    assert.deepEqual(first.rangeDeletions, [
      { start: 'b', end: 'c', seq: 2, kind: 2 },
      { start: 'm', end: 'm1\0', seq: 3, kind: 2 },
    ])
    // Smallest: the range deletion start 'b' sorts first. Largest: 'm1\0' without its 00 ties
    // the last entry's key, and the entry is kept.
    assert.deepEqual([boundOf(a.smallest), boundOf(a.largest)], [{ key: 'b', kind: 1, seq: 2 }, { key: 'm1', kind: 1, seq: 1 }])

    const second = readTable(join(dir.path, `${String(onlyRange).padStart(6, '0')}.sst`))
    assert.deepEqual(second.rows, [], 'no entries')
    assert.deepEqual(second.dataBlockTypes, [], 'no data block: the index block has no entry')
    assert.deepEqual(second.rangeDeletions, [{ start: 'x', end: 'y', seq: 4, kind: 2 }])
    // An end not ending in 00 is recorded as it is.
    assert.deepEqual([boundOf(b.smallest), boundOf(b.largest)], [{ key: 'x', kind: 1, seq: 4 }, { key: 'y', kind: 1, seq: 4 }])
  } finally {
    dir.remove()
  }
})
