// Which format version a table is written as: 2 (version 2's layout) when it holds no range
// deletions, so a store that never deletes a range opens in a Shale from before them; 3 when
// it does, so such a Shale refuses it instead of bringing deleted keys back. A table whose
// footer says 2 yet names a range-deletion block is CORRUPTION.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ShaleError } from '../../src/errors.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { maskCrc } from '../../src/util/crc32c.js'
import { FOOTER_SIZE, PLAIN_TABLE_FORMAT_VERSION, TABLE_FORMAT_VERSION, tableCrc } from '../../src/table/format.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { TableReader } from '../../src/table/table-reader.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from '../helpers/memory-files.js'

const FILE = '000007.sst'
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

function build(keys: string[], tombstones: [string, string, number][]): Uint8Array {
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, { blockSize: 256, restartInterval: 4, bloomBitsPerKey: 10 }, FILE)
  keys.forEach((k, i) => builder.add(bytes(k), 100 + i, ValueKind.Value, bytes(`value of ${k}`)))
  for (const [start, end, seq] of tombstones) builder.addRangeTombstone(bytes(start), bytes(end), seq)
  builder.finish()
  return file.bytes()
}

const open = (table: Uint8Array): TableReader =>
  TableReader.open(new MemoryRandomAccessFile(table), FILE, { blockCache: undefined, paranoidChecks: true, search: 'binary' })

/** The version field of the footer, as an independent reader finds it. */
const footerVersion = (table: Uint8Array): number => new DataView(table.buffer, table.byteOffset + table.length - FOOTER_SIZE + 36, 4).getUint32(0, true)

test('a table without range deletions is written as version 2, one with them as version 3', () => {
  assert.equal(PLAIN_TABLE_FORMAT_VERSION, 2)
  assert.equal(TABLE_FORMAT_VERSION, 3)
  const keys = Array.from({ length: 200 }, (_, i) => `k${String(i).padStart(4, '0')}`)
  const plain = build(keys, [])
  assert.equal(footerVersion(plain), 2)
  const reader = open(plain)
  assert.equal(reader.formatVersion, 2)
  assert.equal(new TextDecoder().decode(reader.get(bytes('k0123'), 1000)!.value), 'value of k0123')
  reader.close()
  for (const [entries, tombstones] of [[keys, [['k0010', 'k0020', 500]]], [[], [['a', 'b', 5]]]] as [string[], [string, string, number][]][]) {
    const table = build(entries, tombstones)
    assert.equal(footerVersion(table), 3)
    const r = open(table)
    assert.equal(r.formatVersion, 3)
    assert.deepEqual(r.rangeTombstones().tombstones().map((t) => t.seq), [tombstones[0]![2]])
    r.close()
  }
})

test('a table whose footer says version 2 but which names a range-deletion block is CORRUPTION', () => {
  const table = build(['a', 'm', 'z'], [['b', 'k', 9]]).slice()
  const f = table.subarray(table.length - FOOTER_SIZE)
  f[36] = 2
  new DataView(f.buffer, f.byteOffset + 40, 4).setUint32(0, maskCrc(tableCrc(f, 0, 40)), true)
  assert.throws(
    () => open(table),
    (err: unknown) => err instanceof ShaleError && err.code === 'CORRUPTION' && /a version 2 table cannot have a range-deletion block/.test((err as Error).message),
  )
})
