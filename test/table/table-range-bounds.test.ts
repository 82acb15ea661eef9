// A table's bounds cover its range tombstones. An exclusive end that is a key's successor
// (the key and a zero byte, where a compaction cuts tombstones between two outputs) gives
// exactly that key as the largest bound, so the next output, which starts at the successor,
// shares no bound with it; any other end is recorded as is (one key too wide, harmless).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ValueKind } from '../../src/base/internal-key.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { MemoryWritableFile } from '../helpers/memory-files.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1')

function bounds(entries: string[], tombstones: [string, string, number][]): [string, string] {
  const builder = new TableBuilder(new MemoryWritableFile(), { blockSize: 512, restartInterval: 4, bloomBitsPerKey: 10 }, 't.sst')
  entries.forEach((k, i) => builder.add(bytes(k), 100 + i, ValueKind.Value, bytes('v')))
  for (const [start, end, seq] of tombstones) builder.addRangeTombstone(bytes(start), bytes(end), seq)
  const t = builder.finish()
  return [text(t.smallestKey), text(t.largestKey)]
}

test('a tombstone ending at a successor bounds the table at that key', () => {
  assert.deepEqual(bounds(['c', 'k'], [['a', 'k\0', 5]]), ['a', 'k'])
  assert.deepEqual(bounds([], [['b', 'k\0', 5]]), ['b', 'k'])
  assert.deepEqual(bounds([], [['\0', '\0\0', 5]]), ['\0', '\0'])
})

test('any other end is the largest bound itself, and entries past every tombstone bound the table', () => {
  assert.deepEqual(bounds(['c'], [['b', 'm', 5]]), ['b', 'm'])
  assert.deepEqual(bounds(['c', 'z'], [['b', 'm', 5]]), ['b', 'z'])
  assert.deepEqual(bounds(['a'], [['b', 'c\0\x01', 5]]), ['a', 'c\0\x01'])
})
