// An independent reader written from docs/format.md alone (it imports nothing from src/
// except to produce the files): if the document drifts from the code, this test fails.

import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { crc32 } from 'node:zlib'
import { Shale } from '../../src/index.js'
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

/** Decodes a block (entries + restart array) into [key, value] pairs. */
function readBlock(file: Buffer, offset: number, size: number): [Buffer, Buffer][] {
  const contents = file.subarray(offset, offset + size)
  const type = file[offset + size]!
  assert.equal(type, 0, 'compression type 0')
  assert.equal(u32(file, offset + size + 1), mask(crc32(Buffer.concat([contents, Buffer.of(type)]))), 'block checksum')
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

function readTable(path: string): { key: string; seq: number; kind: number; value: string }[] {
  const file = readFileSync(path)
  const f = file.subarray(file.length - 52)
  assert.equal(f.subarray(40 + 4).toString('latin1'), 'SHALETBL')
  assert.equal(u32(f, 40), mask(crc32(f.subarray(0, 40))), 'footer checksum')
  assert.equal(u32(f, 36), 1, 'format version')
  const u64 = (at: number): number => u32(f, at) + u32(f, at + 4) * 2 ** 32
  const index = readBlock(file, u64(12), u32(f, 20))
  const rows = []
  for (const [, handle] of index) {
    const [offset, next] = varint(handle, 0)
    const [size] = varint(handle, next)
    for (const [ikey, value] of readBlock(file, offset, size)) {
      const user = ikey.subarray(0, ikey.length - 8)
      const kind = ikey[ikey.length - 8]!
      let seq = 0
      for (let i = ikey.length - 1; i > ikey.length - 8; i--) seq = seq * 256 + ikey[i]!
      rows.push({ key: user.toString(), seq, kind, value: value.toString() })
    }
  }
  return rows
}

test('tables read by a reader written from docs/format.md hold exactly what was written', async () => {
  const dir = tempDir()
  try {
    const db = await Shale.open(dir.path, { blockSize: 256 })
    for (let i = 0; i < 300; i++) await db.put(`key-${String(i).padStart(4, '0')}`, `value-${i}`)
    await db.delete('key-0007')
    await db.flush()
    await db.close()
    const tables = readdirSync(dir.path).filter((n) => n.endsWith('.sst'))
    assert.equal(tables.length, 1)
    const rows = readTable(join(dir.path, tables[0]!))
    assert.equal(rows.length, 301)
    const live = rows.filter((r) => r.kind === 1)
    assert.equal(live.length, 300)
    assert.deepEqual(live.slice(0, 2).map((r) => [r.key, r.value]), [['key-0000', 'value-0'], ['key-0001', 'value-1']])
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
