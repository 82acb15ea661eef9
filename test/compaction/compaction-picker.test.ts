import assert from 'node:assert/strict'
import { test } from 'node:test'
import { levelScores, levelTargets, pickCompaction, taskFor, maxGrandparentOverlap } from '../../src/compaction/compaction-picker.js'
import { Version } from '../../src/version/version.js'
import { NUM_LEVELS } from '../../src/base/levels.js'
import { emptyEdit } from '../../src/version/version-edit.js'
import type { FileMetadata } from '../../src/version/file-metadata.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)
const options = { l0CompactionTrigger: 4, l1TargetSize: 1000, levelMultiplier: 10, targetFileSize: 100 }
let nextNumber = 1

function file(lo: string, hi: string, size = 100): FileMetadata {
  return { number: nextNumber++, size, smallestKey: b(lo), smallestSeq: 1, largestKey: b(hi), largestSeq: 1 }
}

function version(levels: Record<number, FileMetadata[]>): Version {
  const edit = emptyEdit()
  for (const [level, files] of Object.entries(levels)) for (const f of files) edit.newFiles.push({ level: Number(level), file: f })
  const empty = new Version(Array.from({ length: NUM_LEVELS }, () => []), () => {})
  return empty.apply(edit, () => {})
}

/** A last level big enough that targets reach up to L1: 1000 * 10^5 bytes. */
const bigLast = (): FileMetadata => file('a', 'z', 100_000_000)

test('level targets grow down from the size of the last level; the base level moves up as data grows', () => {
  assert.deepEqual(levelTargets(version({}), options), { targets: [0, 0, 0, 0, 0, 0, 1000], baseLevel: 6 })
  const mid = levelTargets(version({ 6: [file('a', 'z', 250_000)] }), options)
  assert.equal(mid.baseLevel, 4)
  assert.deepEqual(mid.targets, [0, 0, 0, 0, 2500, 25_000, 250_000])
  assert.equal(levelTargets(version({ 6: [bigLast()] }), options).baseLevel, 1)
})

test('level scores: L0 by file count over the trigger, deeper levels by bytes over target, levels above the base drain first', () => {
  const v = version({ 0: [file('a', 'b'), file('c', 'd')], 1: [file('a', 'z', 500)], 2: [file('a', 'z', 20_000)], 6: [bigLast()] })
  const scores = levelScores(v, options)
  assert.equal(scores[0], 0.5)
  assert.equal(scores[1], 0.5)
  assert.equal(scores[2], 2)
  const small = levelScores(version({ 2: [file('a', 'z', 500)] }), options)
  assert.ok(small[2]! > 1, 'a level above the base level with files must drain')
})

test('with nothing below, level 0 compacts straight into the last level; never past a non-empty level', () => {
  const l0 = [file('a', 'b'), file('c', 'd'), file('e', 'f'), file('g', 'h')]
  assert.equal(pickCompaction(version({ 0: l0 }), options, [])!.outputLevel, 6)
  const withL3 = pickCompaction(version({ 0: l0, 3: [file('x', 'y', 10)], 6: [file('a', 'z', 1000)] }), options, [])!
  assert.equal(withL3.level, 3, 'the stray level drains first')
  const task = taskFor(version({ 0: l0, 3: [file('x', 'y', 10)] }), 0, l0, options)
  assert.equal(task.outputLevel, 1)
})

test('nothing to do when every score is below 1', () => {
  assert.equal(pickCompaction(version({ 0: [file('a', 'b')] }), options, []), undefined)
})

test('an L0 compaction takes every L0 file and the overlapping L1 files only', () => {
  const l1 = [file('a', 'c'), file('d', 'f'), file('x', 'z')]
  const l0 = [file('b', 'e'), file('a', 'b'), file('c', 'd'), file('e', 'e')]
  const task = pickCompaction(version({ 0: l0, 1: l1, 6: [bigLast()] }), options, [])!
  assert.equal(task.level, 0)
  assert.equal(task.outputLevel, 1)
  assert.equal(task.inputs.length, 4)
  assert.deepEqual(task.nextInputs.map((f) => f.number).sort(), [l1[0]!.number, l1[1]!.number].sort())
  assert.equal(task.trivialMove, false)
})

test('deeper levels pick one file round-robin after the compaction pointer', () => {
  const l1 = [file('a', 'b', 600), file('c', 'd', 600), file('e', 'f', 600)]
  const v = version({ 1: l1, 6: [bigLast()] })
  assert.equal(pickCompaction(v, options, [])!.inputs[0]!.number, l1[0]!.number)
  assert.equal(pickCompaction(v, options, [undefined, b('b')])!.inputs[0]!.number, l1[1]!.number)
  assert.equal(pickCompaction(v, options, [undefined, b('f')])!.inputs[0]!.number, l1[0]!.number, 'wraps around')
})

test('a single file with nothing below it moves trivially unless it overlaps too much of the grandparent level', () => {
  const v1 = version({ 1: [file('a', 'm', 2000)] })
  assert.equal(taskFor(v1, 1, [...v1.levels[1]!], options).trivialMove, true)
  const big = maxGrandparentOverlap(options) + 1
  const v2 = version({ 1: [file('a', 'm', 2000)], 3: [file('a', 'z', big)] })
  const task = taskFor(v2, 1, [...v2.levels[1]!], options)
  assert.equal(task.grandparents.length, 1)
  assert.equal(task.trivialMove, false)
})
