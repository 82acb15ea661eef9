// The level iterator on its own, over real tables of one sorted level: it crosses file
// boundaries in both directions, seeks land in the right file whether the target falls
// before, inside, between or after the files, and it holds at most one table at a time.
// A property drives it with random moves against one flat cursor over the same entries.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { MAX_SEQUENCE } from '../../src/base/internal-key.js'
import type { InternalIterator } from '../../src/base/internal-iterator.js'
import { LevelIterator } from '../../src/version/level-iterator.js'
import { ArrayIterator, del, put, type Entry } from '../helpers/array-iterator.js'
import { LevelTables } from '../helpers/level-tables.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

const where = (it: InternalIterator): string | undefined => (it.valid() ? `${dec.decode(it.key())}@${it.seq()}` : undefined)

function forward(it: InternalIterator): string[] {
  const out: string[] = []
  for (it.seekToFirst(); it.valid(); it.next()) out.push(where(it)!)
  return out
}

function backward(it: InternalIterator): string[] {
  const out: string[] = []
  for (it.seekToLast(); it.valid(); it.prev()) out.push(where(it)!)
  return out
}

// Three files with gaps between them: [b, d], [f, g], [k, m]; b and k have two versions.
const files: Entry[][] = [
  [put('b', 9, 'b9'), put('b', 3, 'b3'), del('c', 5), put('d', 1, 'd1')],
  [put('f', 4, 'f4'), put('g', 8, 'g8')],
  [put('k', 7, 'k7'), put('k', 2, 'k2'), put('m', 6, 'm6')],
]
const all = ['b@9', 'b@3', 'c@5', 'd@1', 'f@4', 'g@8', 'k@7', 'k@2', 'm@6']

function level(maxOpenFiles = 2) {
  const t = new LevelTables(maxOpenFiles)
  const metas = files.map((entries, i) => t.write(i + 1, entries))
  return { t, it: new LevelIterator(metas, t.cache) }
}

test('iterates every entry of every file in order, forward and backward, crossing file boundaries', () => {
  const { t, it } = level()
  assert.deepEqual(forward(it), all)
  assert.deepEqual(backward(it), [...all].reverse())
  assert.equal(t.cache.held, 0, 'past either end, no table is held')
  it.close()
})

test('next and prev across a boundary, in both orders, hold one table at a time', () => {
  const { t, it } = level(1)
  it.seek(enc.encode('d'), MAX_SEQUENCE)
  assert.equal(where(it), 'd@1')
  assert.equal(t.cache.held, 1)
  it.next()
  assert.equal(where(it), 'f@4', 'into the second file')
  it.prev()
  assert.equal(where(it), 'd@1', 'and back into the first')
  it.next()
  it.next()
  it.next()
  assert.equal(where(it), 'k@7')
  it.prev()
  assert.equal(where(it), 'g@8')
  assert.equal(t.cache.held, 1)
  it.close()
  assert.equal(t.cache.held, 0)
  it.close()
  assert.equal(t.cache.held, 0, 'close is idempotent')
})

test('seek: before the first file, inside a file, between files, on a boundary key, after the last', () => {
  const { t, it } = level()
  const seek = (k: string, seq = MAX_SEQUENCE) => (it.seek(enc.encode(k), seq), where(it))
  assert.equal(seek('a'), 'b@9', 'before every file')
  assert.equal(seek('b', 5), 'b@3', 'between two versions')
  assert.equal(seek('c'), 'c@5')
  assert.equal(seek('d', 0), 'f@4', 'older than the last version of a file: the next file')
  assert.equal(seek('e'), 'f@4', 'in the gap between files')
  assert.equal(seek('h'), 'k@7')
  assert.equal(seek('k', 3), 'k@2')
  assert.equal(seek('m'), 'm@6')
  assert.equal(seek('m', 5), undefined, 'past the last entry')
  assert.equal(seek('z'), undefined, 'after every file')
  assert.equal(t.cache.held, 0)
  it.close()
})

test('seekForPrev: before the first file, inside, between files, on a boundary key, after the last', () => {
  const { t, it } = level()
  const seekForPrev = (k: string, seq = 0) => (it.seekForPrev(enc.encode(k), seq), where(it))
  assert.equal(seekForPrev('z'), 'm@6', 'after every file')
  assert.equal(seekForPrev('m', 7), 'k@2', 'newer than the only version of m')
  assert.equal(seekForPrev('h'), 'g@8', 'in the gap between files')
  assert.equal(seekForPrev('k', MAX_SEQUENCE), 'g@8', 'newer than the first version of a file: the previous file')
  assert.equal(seekForPrev('k', 5), 'k@7')
  assert.equal(seekForPrev('b'), 'b@3')
  assert.equal(seekForPrev('b', 9), 'b@9')
  assert.equal(seekForPrev('b', 10), undefined, 'before the first entry')
  assert.equal(seekForPrev('a'), undefined, 'before every file')
  assert.equal(t.cache.held, 0)
  it.close()
})

test('an empty level is never valid, and a one-file level (as for L0) works alike', () => {
  const t = new LevelTables()
  const empty = new LevelIterator([], t.cache)
  for (const move of [() => empty.seekToFirst(), () => empty.seekToLast(), () => empty.seek(enc.encode('a'), 1), () => empty.seekForPrev(enc.encode('a'), 1)]) {
    move()
    assert.equal(empty.valid(), false)
  }
  const one = new LevelIterator([t.write(1, files[1]!)], t.cache)
  assert.deepEqual(forward(one), ['f@4', 'g@8'])
  assert.deepEqual(backward(one), ['g@8', 'f@4'])
  assert.equal(t.cache.held, 0)
})

test('property: random seeks and moves agree with one flat cursor over the same entries', () => {
  const keyArb = fc.integer({ min: 0, max: 40 }).map((n) => `k${String(n).padStart(2, '0')}`)
  const move = fc.oneof(
    fc.constant({ op: 'first' as const }),
    fc.constant({ op: 'last' as const }),
    fc.constant({ op: 'next' as const }),
    fc.constant({ op: 'prev' as const }),
    fc.record({ op: fc.constant('seek' as const), key: keyArb, seq: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ op: fc.constant('seekForPrev' as const), key: keyArb, seq: fc.integer({ min: 0, max: 12 }) }),
  )
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(keyArb, fc.integer({ min: 1, max: 10 })), { minLength: 1, maxLength: 60, selector: ([k, s]) => `${k}@${s}` }),
      fc.integer({ min: 1, max: 6 }),
      fc.array(move, { maxLength: 40 }),
      (pairs, fileCount, moves) => {
        const model = new ArrayIterator(pairs.map(([k, s]) => put(k, s, `${k}@${s}`)))
        // Cut the sorted entries into files between user keys, as compaction does.
        const keys = [...new Set(model.entries.map((e) => dec.decode(e.key)))]
        const perFile = Math.ceil(keys.length / fileCount)
        const t = new LevelTables(1)
        const metas = []
        for (let f = 0; f * perFile < keys.length; f++) {
          const mine = new Set(keys.slice(f * perFile, (f + 1) * perFile))
          metas.push(t.write(f + 1, model.entries.filter((e) => mine.has(dec.decode(e.key)))))
        }
        const it = new LevelIterator(metas, t.cache)
        for (const m of moves) {
          if ((m.op === 'next' || m.op === 'prev') && !model.valid()) continue
          if (m.op === 'first') [it, model].forEach((c) => c.seekToFirst())
          else if (m.op === 'last') [it, model].forEach((c) => c.seekToLast())
          else if (m.op === 'next') [it, model].forEach((c) => c.next())
          else if (m.op === 'prev') [it, model].forEach((c) => c.prev())
          else if (m.op === 'seek') [it, model].forEach((c) => c.seek(enc.encode(m.key), m.seq))
          else [it, model].forEach((c) => c.seekForPrev(enc.encode(m.key), m.seq))
          assert.equal(where(it), where(model), JSON.stringify(m))
          if (it.valid()) assert.equal(dec.decode(it.value()), where(model))
          assert.ok(t.cache.held <= 1)
        }
        it.close()
        assert.equal(t.cache.held, 0)
      },
    ),
    { numRuns: 300 },
  )
})
