// findFile: the binary search that gets and level cursors use to pick a file in a sorted level.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FileMetadata } from '../../src/version/file-metadata.js'
import { findFile } from '../../src/version/find-file.js'
import { compareBytes } from '../../src/util/bytes.js'
import { Random } from '../helpers/random.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)

function level(...ranges: [string, string][]): FileMetadata[] {
  return ranges.map(([smallest, largest], i) => ({ number: i + 1, size: 1, smallestKey: b(smallest), smallestSeq: 1, largestKey: b(largest), largestSeq: 1 }))
}

test('findFile returns the first file that ends at or after the key', () => {
  const files = level(['b', 'd'], ['f', 'h'], ['k', 'k'], ['m', 'p'])
  const cases: [string, number][] = [
    ['a', 0], // before every file
    ['b', 0], // a file's smallest key
    ['c', 0], // inside a file
    ['d', 0], // a file's largest key
    ['e', 1], // in the gap before the next file
    ['h', 1],
    ['i', 2],
    ['k', 2], // a one-key file
    ['l', 3],
    ['p', 3],
    ['q', 4], // after every file: files.length
  ]
  for (const [key, want] of cases) assert.equal(findFile(files, b(key)), want, `key ${key}`)
})

test('findFile on an empty level returns 0', () => {
  assert.equal(findFile([], b('a')), 0)
})

test('findFile agrees with a linear scan over random levels', () => {
  const random = new Random(13)
  for (let round = 0; round < 200; round++) {
    // Sorted, non-overlapping ranges over two-letter keys, some of them one key wide.
    const points = new Set<string>()
    const count = random.int(12) * 2
    while (points.size < count) points.add(String.fromCharCode(97 + random.int(26), 97 + random.int(26)))
    const sorted = [...points].sort()
    const ranges: [string, string][] = []
    for (let i = 0; i < sorted.length; i += 2) ranges.push(random.bool(0.2) ? [sorted[i]!, sorted[i]!] : [sorted[i]!, sorted[i + 1]!])
    const files = level(...ranges)
    for (let probe = 0; probe < 20; probe++) {
      const key = b(String.fromCharCode(97 + random.int(26), 97 + random.int(27)))
      const linear = files.findIndex((f) => compareBytes(f.largestKey, key) >= 0)
      assert.equal(findFile(files, key), linear === -1 ? files.length : linear, `round ${round}, key ${new TextDecoder().decode(key)}`)
    }
  }
})
