import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CompactionIterator } from '../../src/compaction/compaction-iterator.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { Memtable } from '../../src/memtable/memtable.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)
const s = (u: Uint8Array): string => new TextDecoder().decode(u)

/** Entries as [key, seq, 'put' | 'del']; returns the survivors as "key@seq" or "key@seq:del". */
function survivors(entries: [string, number, 'put' | 'del'][], snapshots: number[], isBottom = true): string[] {
  const m = new Memtable(1)
  for (const [k, seq, kind] of entries) m.add(b(k), seq, kind === 'put' ? ValueKind.Value : ValueKind.Deletion, b(`${k}${seq}`))
  const it = m.iterator()
  it.seekToFirst()
  const c = new CompactionIterator(it, snapshots, () => isBottom)
  const out: string[] = []
  for (let e = c.next(); e !== undefined; e = c.next()) out.push(`${s(e.key)}@${e.seq}${e.kind === ValueKind.Deletion ? ':del' : ''}`)
  return out
}

test('without snapshots only the newest version of each key survives', () => {
  assert.deepEqual(survivors([['a', 1, 'put'], ['a', 5, 'put'], ['a', 3, 'put'], ['b', 2, 'put']], []), ['a@5', 'b@2'])
})

test('each snapshot keeps the newest version it can see', () => {
  // Snapshots at 2 and 4: readers at 2 see a@2, at 4 see a@4, at the head see a@6.
  const entries: [string, number, 'put' | 'del'][] = [1, 2, 3, 4, 5, 6].map((seq) => ['a', seq, 'put'])
  assert.deepEqual(survivors(entries, [2, 4]), ['a@6', 'a@4', 'a@2'])
  assert.deepEqual(survivors(entries, [3]), ['a@6', 'a@3'])
  assert.deepEqual(survivors(entries, [10]), ['a@6'])
})

test('a tombstone at the bottom level with no snapshot above it is dropped with everything it hides', () => {
  assert.deepEqual(survivors([['a', 1, 'put'], ['a', 2, 'del'], ['b', 3, 'put']], [], true), ['b@3'])
})

test('a tombstone is kept above the bottom level: older data below may still need hiding', () => {
  assert.deepEqual(survivors([['a', 1, 'put'], ['a', 2, 'del']], [], false), ['a@2:del'])
})

test('a tombstone newer than a snapshot is kept, and so is the version the snapshot sees', () => {
  assert.deepEqual(survivors([['a', 1, 'put'], ['a', 3, 'del']], [2], true), ['a@3:del', 'a@1'])
})
