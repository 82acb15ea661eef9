// A version on its own, over real tables: apply() keeps level 0 newest first and deeper
// levels in key order; get() asks level 0's overlapping tables newest first, then the one
// table per deeper level whose range holds the key, and stops at the first hit (a
// tombstone included); iterators() gives one cursor per L0 table and one per deeper level.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_SEQUENCE, ValueKind } from '../../src/base/internal-key.js'
import { Version, type ReadCounter } from '../../src/version/version.js'
import { emptyEdit } from '../../src/version/version-edit.js'
import { NUM_LEVELS } from '../../src/base/levels.js'
import type { FileMetadata } from '../../src/version/file-metadata.js'
import { MergingIterator } from '../../src/iterators/merging-iterator.js'
import { del, put, type Entry } from '../helpers/array-iterator.js'
import { LevelTables } from '../helpers/level-tables.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

const emptyVersion = (): Version => new Version(Array.from({ length: NUM_LEVELS }, () => []), () => {})

/** A version built from (level, table number, entries), added in the given order. */
function build(tables: [number, number, Entry[]][]) {
  const t = new LevelTables(4)
  const edit = emptyEdit()
  for (const [level, number, entries] of tables) edit.newFiles.push({ level, file: t.write(number, entries) })
  return { t, version: emptyVersion().apply(edit, () => {}) }
}

// Level 0: table 7 (newest) and table 5 overlap on c; level 1: [a, b], [d, f]; level 2: [a, z].
const layout: [number, number, Entry[]][] = [
  [0, 5, [put('c', 20, 'c-L0-old'), put('e', 21, 'e-L0')]],
  [1, 3, [put('d', 10, 'd-L1'), del('f', 11)]],
  [0, 7, [put('c', 30, 'c-L0-new'), del('b', 31)]],
  [2, 1, [put('a', 1, 'a-L2'), put('b', 2, 'b-L2'), put('f', 3, 'f-L2'), put('g', 4, 'g-L2'), put('z', 5, 'z-L2')]],
  [1, 2, [put('a', 12, 'a-L1'), put('b', 13, 'b-L1')]],
]

function lookup(version: Version, t: LevelTables, key: string, seq = MAX_SEQUENCE) {
  const counter: ReadCounter = { tablesProbed: 0, tablesSearched: 0 }
  const hit = version.get(enc.encode(key), seq, t.cache, counter)
  const answer = hit === undefined ? undefined : hit.kind === ValueKind.Deletion ? `deleted@${hit.seq}` : `${dec.decode(hit.value)}@${hit.seq}`
  return { answer, probed: counter.tablesProbed }
}

test('apply() orders level 0 newest (highest number) first and deeper levels by smallest key', () => {
  const { version } = build(layout)
  assert.deepEqual(version.levels.map((files) => files.map((f) => f.number)), [[7, 5], [2, 3], [1], [], [], [], []])
  const next = emptyEdit()
  next.deletedFiles.push({ level: 0, number: 7 }, { level: 1, number: 2 })
  next.newFiles.push({ level: 1, file: { ...version.levels[1]![0]!, number: 9 } })
  const after = version.apply(next, () => {})
  assert.deepEqual(after.levels.map((files) => files.map((f) => f.number)).slice(0, 3), [[5], [9, 3], [1]])
  assert.deepEqual(version.levels[0]!.map((f) => f.number), [7, 5], 'the old version is unchanged')
})

test('get() answers from the newest table that holds the key: L0 newest first, then each level', () => {
  const { t, version } = build(layout)
  assert.equal(lookup(version, t, 'c').answer, 'c-L0-new@30', 'the newer of two overlapping L0 tables')
  assert.equal(lookup(version, t, 'c', 25).answer, 'c-L0-old@20', 'at an older sequence, the older L0 table')
  assert.equal(lookup(version, t, 'c', 19).answer, undefined)
  assert.equal(lookup(version, t, 'b').answer, 'deleted@31', 'an L0 tombstone is an answer: level 1 is not asked')
  assert.equal(lookup(version, t, 'b', 30).answer, 'b-L1@13')
  assert.equal(lookup(version, t, 'b', 12).answer, 'b-L2@2')
  assert.equal(lookup(version, t, 'd').answer, 'd-L1@10', 'the second file of level 1')
  assert.equal(lookup(version, t, 'f').answer, 'deleted@11', 'the L1 tombstone hides L2')
  assert.equal(lookup(version, t, 'f', 10).answer, 'f-L2@3')
  assert.equal(lookup(version, t, 'g').answer, 'g-L2@4', 'in no L1 file: level 2')
  assert.equal(lookup(version, t, 'zz').answer, undefined)
  assert.equal(t.cache.held, 0, 'every table acquired by a lookup is released')
})

test('get() probes only tables whose key range holds the key: one per sorted level, each overlapping L0 table', () => {
  const { t, version } = build(layout)
  // c: both L0 tables ([c, e] and [b, c]); level 1 has a gap at c; level 2 holds [a, z].
  assert.equal(lookup(version, t, 'c', 19).probed, 3)
  // e: only table 5 of L0; d-f in L1; then L2.
  assert.equal(lookup(version, t, 'e', 20).probed, 3)
  // g: no L0 table, L1 ends at f, L2.
  assert.equal(lookup(version, t, 'g').probed, 1)
  // Before every table: nothing probed at all.
  assert.equal(lookup(version, t, '0').probed, 0)
  // Level 1 is searched by key, not scanned: a in its first file, found there.
  assert.equal(lookup(version, t, 'a').probed, 1)
})

test('iterators(): one cursor per L0 table and one per non-empty deeper level, merging to every entry', () => {
  const { t, version } = build(layout)
  const cursors = version.iterators(t.cache)
  assert.equal(cursors.length, 2 + 2)
  const merged = new MergingIterator(cursors)
  const got: string[] = []
  for (merged.seekToFirst(); merged.valid(); merged.next()) got.push(`${dec.decode(merged.key())}@${merged.seq()}`)
  const want = layout.flatMap(([, , entries]) => entries.map((e) => [dec.decode(e.key), e.seq] as const))
  want.sort(([a, as], [b, bs]) => (a < b ? -1 : a > b ? 1 : bs - as))
  assert.deepEqual(got, want.map(([k, s]) => `${k}@${s}`))
  merged.close()
  assert.equal(t.cache.held, 0)
  assert.equal(emptyVersion().iterators(t.cache).length, 0)
})

test('ref/unref: the version reports itself unused when its last reference goes', () => {
  const unused: Version[] = []
  const v = new Version(Array.from({ length: NUM_LEVELS }, (): FileMetadata[] => []), (x) => unused.push(x))
  v.ref()
  v.ref()
  v.unref()
  assert.equal(unused.length, 0)
  v.unref()
  assert.deepEqual(unused, [v])
})
