// Key-range queries on a table's metadata: fileContains (does its range hold a key) and
// fileOverlaps (does it meet a range, either end open), which lookups and compaction use.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileContains, fileOverlaps, type FileMetadata } from '../../src/version/file-metadata.js'

const enc = new TextEncoder()
const file = (lo: string, hi: string): FileMetadata => ({ number: 1, size: 1, smallestKey: enc.encode(lo), smallestSeq: 1, largestKey: enc.encode(hi), largestSeq: 1 })
const k = (s: string | undefined) => (s === undefined ? undefined : enc.encode(s))

test('fileContains: inclusive at both ends, by bytes', () => {
  const f = file('c', 'f')
  assert.deepEqual(['b', 'c', 'd', 'f', 'fa', 'g'].map((s) => fileContains(f, enc.encode(s))), [false, true, true, true, false, false])
  assert.equal(fileContains(file('a', 'a'), enc.encode('a')), true)
})

test('fileOverlaps: touching ranges overlap, disjoint ones do not, an open end reaches everything', () => {
  const f = file('c', 'f')
  const cases: [string | undefined, string | undefined, boolean][] = [
    ['a', 'b', false],
    ['a', 'c', true],
    ['d', 'e', true],
    ['f', 'z', true],
    ['fa', 'z', false],
    [undefined, 'b', false],
    [undefined, 'c', true],
    ['g', undefined, false],
    ['f', undefined, true],
    [undefined, undefined, true],
    ['a', 'z', true],
  ]
  for (const [start, end, want] of cases) assert.equal(fileOverlaps(f, k(start), k(end)), want, `[${start}, ${end}]`)
})
