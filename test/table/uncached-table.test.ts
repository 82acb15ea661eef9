// openUncachedTable: the one way check, repair and the dump tool open a table for a full pass.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ShaleError } from '../../src/errors.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { openUncachedTable } from '../../src/table/uncached-table.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const enc = new TextEncoder()
const PATH = '/db/000007.sst'

function writeTable(fs: MemoryFileSystem): void {
  fs.mkdir('/db')
  const file = fs.create(PATH)
  const builder = new TableBuilder(file, { blockSize: 128, restartInterval: 4, bloomBitsPerKey: 10 }, PATH)
  for (let i = 0; i < 50; i++) builder.add(enc.encode(`key-${String(i).padStart(3, '0')}`), 1, ValueKind.Value, enc.encode(`value ${i}`))
  builder.finish()
  file.close()
}

test('openUncachedTable reads every entry and owns its file', () => {
  const fs = new MemoryFileSystem()
  writeTable(fs)
  const reader = openUncachedTable(fs, PATH)
  const it = reader.iterator()
  let entries = 0
  for (it.seekToFirst(); it.valid(); it.next()) entries++
  it.close()
  assert.equal(entries, 50)
  assert.equal(reader.get(enc.encode('key-010'), 1)?.kind, ValueKind.Value)
  assert.equal(fs.openFiles.size, 1)
  reader.close()
  assert.equal(fs.openFiles.size, 0)
})

test('openUncachedTable closes the file when the table will not open', () => {
  const fs = new MemoryFileSystem()
  writeTable(fs)
  const damaged = fs.bytesOf(PATH).slice()
  damaged[damaged.length - 1]! ^= 0xff // the magic number
  fs.overwrite(PATH, damaged)
  assert.throws(() => openUncachedTable(fs, PATH), (err: unknown) => err instanceof ShaleError && err.code === 'CORRUPTION')
  assert.equal(fs.openFiles.size, 0, 'no descriptor left behind')
})
