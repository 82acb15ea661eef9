// Damaged files, one named case each: the log tail, a data block, the index, the filter,
// the footer, a truncated table, the MANIFEST and CURRENT. Every case must end in a
// CORRUPTION error naming the file, or in a correctly recovered store; never wrong data.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, ShaleError, type Options } from '../../src/index.js'
import { decodeFooter, FOOTER_SIZE } from '../../src/table/format.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const DIR = '/db'
const N = 400
const key = (i: number): string => `key-${String(i).padStart(5, '0')}`
const value = (i: number): string => `value-${i}-${'x'.repeat(i % 50)}`

/** Keys 0..N-1 written and flushed to tables; keys N..N+49 only in the log (synced). */
async function buildStore(): Promise<{ fs: MemoryFileSystem; options: Options }> {
  const fs = new MemoryFileSystem()
  const options: Options = { fileSystem: fs, memtableSize: 8 * 1024, blockSize: 256 }
  const db = await Shale.open(DIR, options)
  for (let i = 0; i < N; i++) await db.put(key(i), value(i))
  await db.flush()
  for (let i = N; i < N + 50; i++) await db.put(key(i), value(i), { sync: true })
  // Simulate a crash rather than close: close would not change the files, but the crash
  // keeps exactly what was synced.
  const { fileSystem: _, ...rest } = options
  return { fs: fs.crash(), options: rest }
}

function filesOf(fs: MemoryFileSystem, suffix: string): string[] {
  return [...fs.files.keys()].filter((p) => p.endsWith(suffix)).sort()
}

type Outcome = { kind: 'corruption'; message: string } | { kind: 'opened'; wrong: string[]; missing: number[]; corruptReads: number }

/** Opens the store and reads every key; any value that is neither right nor absent is "wrong". */
async function openAndReadAll(fs: MemoryFileSystem, options: Options): Promise<Outcome> {
  let db: Shale
  try {
    db = await Shale.open(DIR, { ...options, fileSystem: fs })
  } catch (err) {
    if (err instanceof ShaleError && err.code === 'CORRUPTION') return { kind: 'corruption', message: err.message }
    throw err
  }
  const wrong: string[] = []
  const missing: number[] = []
  let corruptReads = 0
  try {
    for (let i = 0; i < N + 50; i++) {
      try {
        const v = await db.get(key(i))
        if (v === undefined) missing.push(i)
        else if (v.toString() !== value(i)) wrong.push(`${key(i)}=${v.toString()}`)
      } catch (err) {
        if (err instanceof ShaleError && err.code === 'CORRUPTION') corruptReads++
        else throw err
      }
    }
    // A scan must also never yield damaged data.
    try {
      for await (const [k, v] of db.iterator()) {
        const i = Number(k.toString().slice(4))
        if (v.toString() !== value(i)) wrong.push(`scan ${k.toString()}`)
      }
    } catch (err) {
      if (!(err instanceof ShaleError && err.code === 'CORRUPTION')) throw err
      corruptReads++
    }
  } finally {
    await db.close()
  }
  return { kind: 'opened', wrong, missing, corruptReads }
}

function flip(fs: MemoryFileSystem, path: string, offset: number): void {
  fs.bytesOf(path)[offset]! ^= 0x5a
}

function tableLayout(fs: MemoryFileSystem, path: string) {
  const bytes = fs.bytesOf(path)
  return decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE), bytes.length, path)
}

test('intact store: every key reads back (control case)', async () => {
  const { fs, options } = await buildStore()
  const out = await openAndReadAll(fs, options)
  assert.deepEqual(out, { kind: 'opened', wrong: [], missing: [], corruptReads: 0 })
})

test('log tail truncated at many points: opens and holds a prefix of the synced writes', async () => {
  const base = await buildStore()
  const [log] = filesOf(base.fs, '.log')
  const size = base.fs.bytesOf(log!).length
  for (const cut of [size - 1, size - 7, size - 50, Math.floor(size / 2), 10]) {
    const { fs, options } = await buildStore()
    fs.truncate(log!, cut)
    const out = await openAndReadAll(fs, options)
    assert.equal(out.kind, 'opened', `cut at ${cut}`)
    if (out.kind !== 'opened') continue
    assert.deepEqual(out.wrong, [])
    assert.equal(out.corruptReads, 0)
    // Everything flushed survives; of the log writes, a prefix survives.
    assert.ok(out.missing.every((i) => i >= N), `cut at ${cut}: a flushed key went missing`)
    const firstMissing = out.missing[0] ?? N + 50
    assert.deepEqual(out.missing, Array.from({ length: N + 50 - firstMissing }, (_, j) => firstMissing + j), `cut at ${cut}: not a prefix`)
  }
})

test('log byte flipped mid-file with valid records after it: CORRUPTION by default, a prefix with point-in-time', async () => {
  const { fs, options } = await buildStore()
  const [log] = filesOf(fs, '.log')
  flip(fs, log!, 100)
  const strict = await openAndReadAll(fs, options)
  assert.equal(strict.kind, 'corruption')
  if (strict.kind === 'corruption') assert.match(strict.message, /\.log/)
  const pit = await openAndReadAll(fs, { ...options, walRecovery: 'point-in-time' })
  assert.equal(pit.kind, 'opened')
  if (pit.kind === 'opened') {
    assert.deepEqual(pit.wrong, [])
    assert.ok(pit.missing.length > 0 && pit.missing.every((i) => i >= N))
  }
})

test('data block byte flipped: reads of that block fail with CORRUPTION, others are correct', async () => {
  const { fs, options } = await buildStore()
  const [table] = filesOf(fs, '.sst')
  flip(fs, table!, 20)
  const out = await openAndReadAll(fs, options)
  assert.equal(out.kind, 'opened')
  if (out.kind !== 'opened') return
  assert.deepEqual(out.wrong, [])
  assert.ok(out.corruptReads > 0, 'the damaged block was reported')
})

for (const part of ['index', 'filter', 'properties'] as const) {
  test(`${part} block byte flipped: CORRUPTION or correct answers, never wrong data`, async () => {
    const { fs, options } = await buildStore()
    const [table] = filesOf(fs, '.sst')
    const layout = tableLayout(fs, table!)
    const handle = layout[part]
    assert.ok(handle.size > 0)
    flip(fs, table!, handle.offset + Math.floor(handle.size / 2))
    const out = await openAndReadAll(fs, options)
    if (out.kind === 'opened') {
      assert.deepEqual(out.wrong, [])
      assert.ok(out.corruptReads > 0 || out.missing.length === 0, 'either reported or harmless')
      assert.ok(out.missing.every((i) => i >= N) || out.corruptReads > 0)
    }
  })
}

test('footer byte flipped or table truncated: CORRUPTION naming the table', async () => {
  for (const damage of ['footer', 'truncate'] as const) {
    const { fs, options } = await buildStore()
    const [table] = filesOf(fs, '.sst')
    const size = fs.bytesOf(table!).length
    if (damage === 'footer') flip(fs, table!, size - 20)
    else fs.truncate(table!, size - 30)
    const out = await openAndReadAll(fs, options)
    if (out.kind === 'corruption') {
      assert.match(out.message, /\.sst/)
    } else {
      assert.deepEqual(out.wrong, [])
      assert.ok(out.corruptReads > 0, `${damage}: damage went unreported`)
    }
  }
})

test('table listed in the MANIFEST but missing: CORRUPTION at open', async () => {
  const { fs, options } = await buildStore()
  const [table] = filesOf(fs, '.sst')
  fs.remove(table!)
  const out = await openAndReadAll(fs, options)
  assert.equal(out.kind, 'corruption')
  if (out.kind === 'corruption') assert.match(out.message, /\.sst/)
})

test('MANIFEST byte flipped or truncated: CORRUPTION naming it', async () => {
  for (const damage of ['flip', 'truncate'] as const) {
    const { fs, options } = await buildStore()
    const [manifest] = filesOf(fs, '').filter((p) => p.includes('MANIFEST-'))
    if (damage === 'flip') flip(fs, manifest!, 12)
    else fs.truncate(manifest!, 5)
    const out = await openAndReadAll(fs, options)
    assert.equal(out.kind, 'corruption', damage)
    if (out.kind === 'corruption') assert.match(out.message, /MANIFEST/)
  }
})

test('CURRENT garbled, pointing nowhere, or missing: CORRUPTION', async () => {
  for (const damage of ['garble', 'dangling', 'missing'] as const) {
    const { fs, options } = await buildStore()
    const current = `${DIR}/CURRENT`
    if (damage === 'garble') flip(fs, current, 3)
    else if (damage === 'dangling') {
      fs.remove(current)
      const f = fs.create(current)
      f.append(new TextEncoder().encode('MANIFEST-999999\n'))
    } else fs.remove(current)
    const out = await openAndReadAll(fs, options)
    assert.equal(out.kind, 'corruption', damage)
  }
})

test('zeroed ranges in every file kind: a CORRUPTION error naming the file or a correct store', async () => {
  const targets: { name: string; locate: (fs: MemoryFileSystem) => [string, number] }[] = [
    { name: 'log, mid-file', locate: (fs) => [filesOf(fs, '.log')[0]!, 60] },
    { name: 'log, tail', locate: (fs) => { const p = filesOf(fs, '.log')[0]!; return [p, fs.bytesOf(p).length - 16] } },
    { name: 'data block', locate: (fs) => [filesOf(fs, '.sst')[0]!, 40] },
    { name: 'index block', locate: (fs) => { const p = filesOf(fs, '.sst')[0]!; return [p, tableLayout(fs, p).index.offset] } },
    { name: 'filter block', locate: (fs) => { const p = filesOf(fs, '.sst')[0]!; return [p, tableLayout(fs, p).filter.offset] } },
    { name: 'footer', locate: (fs) => { const p = filesOf(fs, '.sst')[0]!; return [p, fs.bytesOf(p).length - 16] } },
    { name: 'MANIFEST', locate: (fs) => [[...fs.files.keys()].find((p) => p.includes('MANIFEST-'))!, 0] },
    { name: 'CURRENT', locate: () => [`${DIR}/CURRENT`, 0] },
  ]
  for (const t of targets) {
    const { fs, options } = await buildStore()
    const [path, at] = t.locate(fs)
    const bytes = fs.bytesOf(path)
    bytes.fill(0, at, Math.min(at + 16, bytes.length))
    const out = await openAndReadAll(fs, options)
    if (out.kind === 'corruption') {
      assert.ok(out.message.includes(path.split('/').pop()!) || out.message.includes('CURRENT'), `${t.name}: message names the file: ${out.message}`)
    } else {
      assert.deepEqual(out.wrong, [], `${t.name}: no wrong values`)
      // Whatever is missing must be reported (a CORRUPTION on read) or be an unsynced log tail.
      assert.ok(out.corruptReads > 0 || out.missing.every((i) => i >= N), `${t.name}: silent loss of flushed keys`)
    }
  }
})
