import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NUM_LEVELS } from '../../src/base/levels.js'
import type { FileMetadata } from '../../src/version/file-metadata.js'
import { ingestLevel } from '../../src/version/ingest-level.js'
import { emptyEdit } from '../../src/version/version-edit.js'
import { Version } from '../../src/version/version.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)
let nextNumber = 1

function file(lo: string, hi: string): FileMetadata {
  return { number: nextNumber++, size: 100, smallestKey: b(lo), smallestSeq: 1, largestKey: b(hi), largestSeq: 1 }
}

function version(levels: Record<number, FileMetadata[]>): Version {
  const edit = emptyEdit()
  for (const [level, files] of Object.entries(levels)) for (const f of files) edit.newFiles.push({ level: Number(level), file: f })
  return new Version(Array.from({ length: NUM_LEVELS }, () => []), () => {}).apply(edit, () => {})
}

const place = (v: Version, lo: string, hi: string): number => ingestLevel(v, b(lo), b(hi))

test('ingest level: an empty tree, or a range nothing overlaps, goes to the last level', () => {
  assert.equal(place(version({}), 'a', 'z'), NUM_LEVELS - 1)
  const v = version({ 0: [file('a', 'c')], 1: [file('d', 'f')], 6: [file('x', 'z')] })
  assert.equal(place(v, 'g', 'w'), NUM_LEVELS - 1)
})

test('ingest level: just above the shallowest level it overlaps, so older data stays below it', () => {
  const v = version({ 3: [file('a', 'c'), file('m', 'p')], 5: [file('a', 'z')] })
  assert.equal(place(v, 'n', 'o'), 2, 'overlaps L3 (and L5): above L3')
  assert.equal(place(v, 'd', 'e'), 4, 'between the L3 files, overlaps L5 only: L4')
  // Touching a bound counts: the ranges are inclusive.
  assert.equal(place(v, 'c', 'd'), 2)
  assert.equal(place(v, 'p', 'p'), 2)
  assert.equal(place(version({ 6: [file('a', 'c')] }), 'c', 'k'), 5)
})

test('ingest level: overlapping level 0 or level 1 means level 0', () => {
  assert.equal(place(version({ 0: [file('e', 'g')], 6: [file('a', 'z')] }), 'a', 'f'), 0)
  assert.equal(place(version({ 1: [file('e', 'g')] }), 'f', 'f'), 0)
  // A level-0 file that does not overlap does not pull the run up.
  assert.equal(place(version({ 0: [file('a', 'b')], 4: [file('m', 'n')] }), 'k', 'z'), 3)
})
