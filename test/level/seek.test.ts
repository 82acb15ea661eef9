// ShaleLevel iterators honour their range on seek(): a target outside it ends the iterator
// (abstract-level's contract, and what classic-level and memory-level do) instead of
// jumping to the range's start. abstract-level's own "seek() respects range" tests build
// their assertions but never run them, so this file is the check.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AbstractLevel } from 'abstract-level'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { tempDir } from '../helpers/temp-dir.js'

type Range = { gt?: string; gte?: string; lt?: string; lte?: string; reverse?: boolean }

/** [range, seek target, first key after the seek (undefined: the iterator has ended)], over keys '0'..'9'. */
const CASES: [Range, string, string | undefined][] = [
  [{ gt: '5' }, '4', undefined],
  [{ gt: '5' }, '5', undefined],
  [{ gt: '5' }, '6', '6'],
  [{ gte: '5' }, '4', undefined],
  [{ gte: '5' }, '5', '5'],
  [{ gte: '5' }, '6', '6'],
  [{ lt: '5' }, '4', '4'],
  [{ lt: '5' }, '5', undefined],
  [{ lt: '5' }, '6', undefined],
  [{ lte: '5' }, '5', '5'],
  [{ lte: '5' }, '6', undefined],
  [{ gt: '2', lt: '7' }, '1', undefined],
  [{ gt: '2', lt: '7' }, '4', '4'],
  [{ gt: '2', lt: '7' }, '8', undefined],
  [{ gt: '5', reverse: true }, '4', undefined],
  [{ gt: '5', reverse: true }, '5', undefined],
  [{ gt: '5', reverse: true }, '6', '6'],
  [{ gte: '5', reverse: true }, '4', undefined],
  [{ gte: '5', reverse: true }, '5', '5'],
  [{ lt: '5', reverse: true }, '4', '4'],
  [{ lt: '5', reverse: true }, '5', undefined],
  [{ lt: '5', reverse: true }, '6', undefined],
  [{ lte: '5', reverse: true }, '5', '5'],
  [{ lte: '5', reverse: true }, '6', undefined],
  [{ gte: '2', lte: '7', reverse: true }, '1', undefined],
  [{ gte: '2', lte: '7', reverse: true }, '4', '4'],
  [{ gte: '2', lte: '7', reverse: true }, '8', undefined],
]

type Db = AbstractLevel<Uint8Array | string, string, string>

/** The first item each of the three iterator kinds yields after seek(), as a key. */
async function firstAfterSeek(db: Db, range: Range, target: string): Promise<Record<string, unknown>> {
  const entries = db.iterator(range)
  const keys = db.keys(range)
  const values = db.values(range)
  for (const it of [entries, keys, values]) it.seek(target)
  const out = { entries: (await entries.next())?.[0], keys: await keys.next(), values: await values.next() }
  await Promise.all([entries.close(), keys.close(), values.close()])
  return out
}

/** Runs `fn` on a root database and on a sublevel of it, each holding keys '0'..'9'. */
async function withData(fn: (db: Db, root: ShaleLevel) => Promise<void>, options: object = {}): Promise<void> {
  const dir = tempDir('shale-level-seek-')
  const db = new ShaleLevel(dir.path, options)
  try {
    const sub = db.sublevel<string, string>('sub', {})
    // Values equal keys, so every iterator kind can be checked against the same expectation.
    const ops = Array.from({ length: 10 }, (_, i) => ({ type: 'put' as const, key: String(i), value: String(i) }))
    await db.batch(ops)
    await sub.batch(ops)
    await fn(db, db)
    await fn(sub, db)
  } finally {
    await db.close()
    dir.remove()
  }
}

for (const [name, options] of [
  ['memtable', {}],
  ['tables', { memtableSize: 1024, blockSize: 64 }],
] as const) {
  test(`seek() outside the range ends keys, values and entries iterators, forward and reverse (${name})`, async () => {
    await withData(async (db, root) => {
      if (name === 'tables') await root.compactRange()
      for (const [range, target, expected] of CASES) {
        const got = await firstAfterSeek(db, range, target)
        const where = `${db instanceof ShaleLevel ? 'root' : 'sublevel'}: seek(${target}) on ${JSON.stringify(range)}`
        assert.deepEqual(got, { entries: expected, keys: expected, values: expected }, where)
      }
    }, options)
  })
}

test('a seek() back into the range after one outside it reads again', async () => {
  await withData(async (db) => {
    const it = db.keys({ gt: '5' })
    it.seek('4')
    assert.equal(await it.next(), undefined)
    it.seek('7')
    assert.deepEqual(await it.all(), ['7', '8', '9'])
  })
})
