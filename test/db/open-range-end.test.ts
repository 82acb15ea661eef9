// deleteRange(gte) without an end: the end is fixed as the write is numbered, past every key
// stored or written before it (in memtables, tables, a batch being applied, earlier in its own
// batch), and no key written after it is deleted; the log records the concrete end.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ValueKind } from '../../src/base/internal-key.js'
import type { PendingOp } from '../../src/db/arguments.js'
import { hasOpenRangeEnd, resolveOpenRangeEnds } from '../../src/db/open-range-end.js'
import { Shale, type Options } from '../../src/index.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('latin1'))
const op = (kind: ValueKind, key: string, value?: string): PendingOp => ({ kind, key: bytes(key), value: value === undefined ? undefined : bytes(value), skey: '' })

test('resolveOpenRangeEnds: past the largest stored key or earlier operation; dropped when nothing is at or after gte', () => {
  const open = op(ValueKind.RangeDeletion, 'b')
  assert.equal(hasOpenRangeEnd([op(ValueKind.Value, 'a', 'x'), open]), true)
  assert.equal(hasOpenRangeEnd([op(ValueKind.RangeDeletion, 'a', 'c')]), false)
  // The stored maximum.
  assert.deepEqual(resolveOpenRangeEnds([open], bytes('m')).map((o) => text(o.value)), ['m\0'])
  // An earlier put of the batch past it counts; a later one does not (it is numbered after).
  const batch = resolveOpenRangeEnds([op(ValueKind.Value, 'z', 'v'), open, op(ValueKind.Value, 'zz', 'v')], bytes('m'))
  assert.deepEqual(batch.map((o) => [text(o.key), text(o.value)]), [['z', 'v'], ['b', 'z\0'], ['zz', 'v']])
  // Nothing at or after gte: the operation goes, the others stay.
  assert.deepEqual(resolveOpenRangeEnds([open], bytes('a')), [])
  assert.deepEqual(resolveOpenRangeEnds([open], undefined), [])
  assert.deepEqual(resolveOpenRangeEnds([op(ValueKind.Deletion, 'a'), open], undefined).map((o) => text(o.key)), ['a'])
  // gte equal to the largest key: that key is deleted.
  assert.deepEqual(resolveOpenRangeEnds([open], bytes('b')).map((o) => text(o.value)), ['b\0'])
})

function small(fs = new MemoryFileSystem()): Options {
  return { fileSystem: fs, memtableSize: 4096, blockSize: 512, targetFileSize: 8 * 1024 }
}

async function keys(db: Shale): Promise<string[]> {
  const out: string[] = []
  for await (const [k] of db.iterator()) out.push(k.toString())
  return out
}

test('deleteRange(gte): deletes every key from gte on in memtables and tables, keeps the rest and later writes', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', small(fs))
  for (let i = 0; i < 300; i++) await db.put(`k${String(i).padStart(3, '0')}`, 'v'.repeat(50))
  await db.flush()
  await db.compactRange()
  for (let i = 300; i < 320; i++) await db.put(`k${i}`, 'v')
  const before = db.snapshot()
  await db.deleteRange('k150')
  await db.put('k200', 'again')
  await db.put('zzz', 'after')
  assert.deepEqual(await keys(db), [...Array.from({ length: 150 }, (_, i) => `k${String(i).padStart(3, '0')}`), 'k200', 'zzz'])
  assert.equal((await db.get('k319')), undefined)
  assert.equal((await db.get('k319', { snapshot: before }))?.toString(), 'v')
  before.release()
  // Reopened from the log, and then from tables: the same, so the log holds the concrete end.
  await db.close()
  for (let round = 0; round < 2; round++) {
    const again = await Shale.open('/db', small(fs))
    assert.equal((await keys(again)).length, 152)
    if (round === 0) await again.compactRange()
    await again.close()
  }
})

test('deleteRange(gte) covers writes issued before it and not yet applied, and none issued after', async () => {
  const db = await Shale.open('/db', small())
  // A large batch is applied over several turns of the event loop; the range deletion issued
  // right after it waits for it, so its end lies past the batch's keys.
  const big = Array.from({ length: 20000 }, (_, i) => ({ type: 'put' as const, key: `b${String(i).padStart(6, '0')}`, value: 'x' }))
  const writes = [db.write(big), db.deleteRange('b'), db.put('b999999', 'after'), db.put('a', 'kept')]
  await Promise.all(writes)
  assert.deepEqual(await keys(db), ['a', 'b999999'])
  // With nothing at or after gte it writes nothing.
  const last = db.stats().lastSequence
  await db.deleteRange('c')
  assert.equal(db.stats().lastSequence, last)
  await db.close()
})

test('delRange without lt in a batch: past earlier operations of the batch, not later ones; the feed gets the concrete end', async () => {
  const db = await Shale.open('/db', small())
  await db.put('a', '1')
  await db.put('m', '1')
  const from = db.stats().lastSequence + 1
  await db.write([
    { type: 'put', key: 'z', value: 'earlier in the batch' },
    { type: 'delRange', gte: 'b' },
    { type: 'put', key: 'zz', value: 'later in the batch' },
  ])
  assert.deepEqual(await keys(db), ['a', 'zz'])
  // Nothing at or after gte: the operation is dropped and the rest of the batch applies.
  await db.write([{ type: 'delRange', gte: 'zzz' }, { type: 'put', key: 'c', value: '1' }])
  assert.deepEqual(await keys(db), ['a', 'c', 'zz'])
  const ac = new AbortController()
  const seen: string[] = []
  for await (const batch of db.changes({ since: from, signal: ac.signal })) {
    for (const o of batch.operations) seen.push(`${batch.sequence} ${o.type} ${o.type === 'delRange' ? `${text(o.gte as Uint8Array)}-${text(o.lt as Uint8Array)}` : text(o.key as Uint8Array)}`)
    if (seen.length >= 4) ac.abort()
  }
  assert.deepEqual(seen, [`${from} put z`, `${from} delRange b-z\0`, `${from} put zz`, `${from + 3} put c`])
  await db.close()
})

test('deleteRange: bad arguments are INVALID_ARGUMENT', async () => {
  const db = await Shale.open('/db', small())
  await assert.rejects(db.deleteRange('b', 'a'), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(db.deleteRange(42 as never), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(db.deleteRange('a', { sync: true } as never), { code: 'INVALID_ARGUMENT' })
  await db.close()
})
