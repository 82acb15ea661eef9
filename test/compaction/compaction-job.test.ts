import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCompaction } from '../../src/compaction/compaction-job.js'
import { taskFor } from '../../src/compaction/compaction-picker.js'
import { resolveOptions } from '../../src/base/options.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { tableFileName } from '../../src/base/file-names.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { TableCache } from '../../src/table/table-cache.js'
import { Version } from '../../src/version/version.js'
import { NUM_LEVELS } from '../../src/base/levels.js'
import { emptyEdit } from '../../src/version/version-edit.js'
import type { FileMetadata } from '../../src/version/file-metadata.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const DIR = '/db'
const b = (s: string): Uint8Array => new TextEncoder().encode(s)
const key = (i: number): string => `k${String(i).padStart(6, '0')}`

function writeTable(fs: MemoryFileSystem, number: number, entries: [string, number][], valueSize = 100): FileMetadata {
  const path = tableFileName(DIR, number)
  const file = fs.create(path)
  const builder = new TableBuilder(file, { blockSize: 1024, restartInterval: 16, bloomBitsPerKey: 10 }, path)
  for (const [k, seq] of entries) builder.add(b(k), seq, ValueKind.Value, new Uint8Array(valueSize).fill(seq % 256))
  const t = builder.finish()
  file.close()
  return { number, size: t.fileSize, smallestKey: t.smallestKey, smallestSeq: t.smallestSeq, largestKey: t.largestKey, largestSeq: t.largestSeq }
}

function setup(levels: Record<number, FileMetadata[]>) {
  const edit = emptyEdit()
  for (const [level, files] of Object.entries(levels)) for (const f of files) edit.newFiles.push({ level: Number(level), file: f })
  return new Version(Array.from({ length: NUM_LEVELS }, () => []), () => {}).apply(edit, () => {})
}

test('outputs are cut at the target file size, never between versions of one key, and stay sorted', async () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  // Two overlapping L0 tables: every key has two versions.
  const entries = (seqBase: number): [string, number][] => Array.from({ length: 400 }, (_, i) => [key(i), seqBase + i])
  const a = writeTable(fs, 1, entries(1000))
  const c = writeTable(fs, 2, entries(2000))
  // The values are one byte repeated, which LZ4 shrinks twentyfold; this test is about where
  // the cuts fall, so the outputs store their blocks as is.
  const options = resolveOptions({ targetFileSize: 8 * 1024, compression: 'none' })
  const version = setup({ 0: [a, c] })
  const task = taskFor(version, 0, [...version.levels[0]!], options)
  let next = 10
  const tables = new TableCache(DIR, fs, { maxOpenFiles: 10, blockCache: undefined, paranoidChecks: true, search: 'binary' })
  // A snapshot between the two versions keeps both of them.
  const result = await runCompaction(task, { dir: DIR, fs, tables, options, deeperLevels: [], snapshots: [1500], newOutputNumber: () => next++ })
  assert.ok(result.outputs.length >= 5, `${result.outputs.length} outputs`)
  for (const f of result.outputs) assert.ok(f.size < 8 * 1024 + 2048, `output of ${f.size} bytes`)
  for (let i = 1; i < result.outputs.length; i++) {
    const prev = result.outputs[i - 1]!
    const cur = result.outputs[i]!
    assert.ok(Buffer.compare(prev.largestKey, cur.smallestKey) < 0, 'outputs do not share or overlap user keys')
  }
  assert.equal(result.drops.shadowed, 0)
  assert.deepEqual(result.edit.deletedFiles.map((d) => `${d.level}/${d.number}`).sort(), ['0/1', '0/2'])
  assert.equal(result.edit.newFiles.length, result.outputs.length)
  // Without the snapshot the older versions go.
  const dropped = await runCompaction(task, { dir: DIR, fs, tables, options, deeperLevels: [], snapshots: [], newOutputNumber: () => next++ })
  assert.equal(dropped.drops.shadowed, 400)
  tables.close()
})

test('an output is also cut when it overlaps too much of the grandparent level', async () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  const input = writeTable(fs, 1, Array.from({ length: 300 }, (_, i) => [key(i), 1000 + i]), 10)
  // 30 grandparent files of 10 keys each, recorded as 1 MB apiece: crossing any one of them
  // exceeds the limit of 10 target files (40 KiB here), so each boundary cuts an output,
  // while size alone (about 9 KiB of data, 4 KiB target) would cut only two or three times.
  const grandparents = Array.from({ length: 30 }, (_, g) => ({ ...writeTable(fs, 100 + g, Array.from({ length: 10 }, (_, j) => [key(g * 10 + j), 1 + j])), size: 1_000_000 }))
  const options = resolveOptions({ targetFileSize: 4096 })
  // Level 1 into level 2, whose next level (3) holds the grandparents.
  const viaLevel2 = { ...taskFor(setup({ 1: [input], 3: grandparents }), 1, [input], options), trivialMove: false }
  assert.equal(viaLevel2.grandparents.length, 30)
  let next = 500
  const tables = new TableCache(DIR, fs, { maxOpenFiles: 50, blockCache: undefined, paranoidChecks: true, search: 'binary' })
  const result = await runCompaction(viaLevel2, { dir: DIR, fs, tables, options, deeperLevels: [], snapshots: [], newOutputNumber: () => next++ })
  assert.ok(result.outputs.length >= 25, `${result.outputs.length} outputs for 30 grandparent files`)
  tables.close()
})
