// Salvage of a damaged table: one flipped byte anywhere costs at most the block it is in.
// Without a usable index or footer the data blocks are found by their checksums, and the
// result says what was lost, or that it could not be counted; never a silent "0 lost".

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ValueKind } from '../../src/base/internal-key.js'
import { FOOTER_SIZE, decodeFooter } from '../../src/table/format.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { salvageTable, type SalvageResult } from '../../src/table/table-salvage.js'
import { scanBlocks } from '../../src/table/block-scan.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from '../helpers/memory-files.js'

const enc = new TextEncoder()
const FILE = '000007.sst'
const N = 3002

function build(compression: 'lz4' | 'none', bloomBitsPerKey = 10): Uint8Array {
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, { blockSize: 1024, restartInterval: 16, bloomBitsPerKey, compression }, FILE)
  for (let i = 0; i < N; i++) builder.add(enc.encode(`key-${String(i).padStart(6, '0')}`), i + 1, ValueKind.Value, enc.encode(`value ${i} ${'v'.repeat(i % 13)}`))
  builder.finish()
  return file.bytes()
}

function salvage(bytes: Uint8Array): { result: SalvageResult; seen: Set<number> } {
  const seen = new Set<number>()
  const result = salvageTable(new MemoryRandomAccessFile(bytes), FILE, (key, seq, kind, value) => {
    const i = Number(new TextDecoder().decode(key).slice(4))
    assert.equal(seq, i + 1)
    assert.equal(kind, ValueKind.Value)
    assert.equal(new TextDecoder().decode(value), `value ${i} ${'v'.repeat(i % 13)}`)
    seen.add(i)
  })
  return { result, seen }
}

const flipped = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = bytes.slice()
  copy[at]! ^= 0x10
  return copy
}

for (const compression of ['none', 'lz4'] as const) {
  const table = build(compression)
  const footer = decodeFooter(table.subarray(table.length - FOOTER_SIZE), table.length, FILE)
  const dataBlocks = salvage(table).result.blocks

  test(`salvage (${compression}): an intact table gives every entry and loses nothing`, () => {
    const { result, seen } = salvage(table)
    assert.ok(dataBlocks > 40, `${dataBlocks} data blocks`)
    assert.equal(seen.size, N)
    assert.deepEqual([result.lostBlocks, result.lostEntries, result.lostBytes], [0, 0, 0])
  })

  const metaCases: [string, number][] = [
    ['the index', footer.index.offset + 10],
    ['the index trailer', footer.index.offset + footer.index.size + 2],
    ['the footer checksum', table.length - FOOTER_SIZE + 41],
    ['the footer handles', table.length - FOOTER_SIZE + 13],
    ['the footer magic', table.length - 2],
    ['the properties block', footer.properties.offset + 3],
    ['the filter', footer.filter.offset + 7],
  ]
  for (const [where, at] of metaCases) {
    test(`salvage (${compression}): a flipped byte in ${where} loses no entry`, () => {
      const { result, seen } = salvage(flipped(table, at))
      assert.equal(seen.size, N, `${N - seen.size} entries lost`)
      assert.equal(result.blocks, dataBlocks)
      assert.equal(result.lostBlocks, 0)
      assert.equal(result.lostBytes, 0)
    })
  }

  test(`salvage (${compression}): a flipped byte in a data block loses that block only, also without the index`, () => {
    // The 20th block: find its offset by scanning the intact table.
    const block = scanBlocks(table, footer.properties.offset).blocks[20]!
    for (const extra of [[], [footer.index.offset + 10], [footer.index.offset + 10, table.length - 10]]) {
      let damaged = flipped(table, block.offset + Math.floor(block.size / 2))
      for (const at of extra) damaged = flipped(damaged, at)
      const { result, seen } = salvage(damaged)
      assert.equal(result.blocks, dataBlocks - 1, `extra damage at ${extra}`)
      assert.ok(seen.size < N && seen.size > N - 200)
      assert.equal(result.lostBlocks, 1)
      assert.equal(result.lostEntries, N - seen.size)
      assert.ok(result.lostBytes >= block.size)
    }
  })
}

test('salvage: with the index and properties both unreadable, the loss is not counted as 0', () => {
  const table = build('none', 0)
  const footer = decodeFooter(table.subarray(table.length - FOOTER_SIZE), table.length, FILE)
  const block = scanBlocks(table, footer.properties.offset).blocks[5]!
  let damaged = flipped(table, footer.index.offset + 4)
  damaged = flipped(damaged, footer.properties.offset + 4)
  const intact = salvage(damaged)
  assert.equal(intact.seen.size, N, 'every data block is intact')
  damaged = flipped(damaged, block.offset + 1)
  const { result } = salvage(damaged)
  assert.equal(result.lostBlocks, undefined)
  assert.equal(result.lostEntries, undefined)
  assert.ok(result.lostBytes > 0)
  assert.ok(result.unreadable !== undefined)
})

test('salvage: a table cut short keeps the blocks before the cut', () => {
  const table = build('lz4')
  const { result, seen } = salvage(table.subarray(0, Math.floor(table.length / 2)))
  assert.ok(seen.size > N / 3, `${seen.size} entries`)
  assert.ok(result.blocks > 0)
  assert.ok(result.unreadable !== undefined)
})
