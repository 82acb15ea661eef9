// Repair: a database whose CURRENT is gone, whose MANIFEST is damaged and one of whose
// tables has a damaged block is rebuilt from what survives, keeping every intact record.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, ShaleError, checkDatabase, repairDatabase } from '../../src/index.js'
import { FOOTER_SIZE, decodeFooter } from '../../src/table/format.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const key = (i: number): string => `key-${String(i).padStart(5, '0')}`
const value = (i: number): string => `value-${i}-${'y'.repeat(i % 30)}`
const N = 2000

async function build(): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 16 * 1024, blockSize: 512 })
  for (let i = 0; i < N; i++) await db.put(key(i), value(i))
  for (let i = 0; i < N; i += 10) await db.delete(key(i))
  await db.flush()
  for (let i = N; i < N + 100; i++) await db.put(key(i), value(i), { sync: true }) // these stay in the log
  return fs.crash()
}

const tables = (fs: MemoryFileSystem): string[] => [...fs.files.keys()].filter((p) => p.endsWith('.sst')).sort()

test('repair rebuilds a database with no CURRENT, a damaged MANIFEST and a damaged table block', async () => {
  const fs = await build()
  fs.remove('/db/CURRENT')
  const manifest = [...fs.files.keys()].find((p) => p.includes('MANIFEST-'))!
  fs.bytesOf(manifest)[5]! ^= 0xff
  const damagedTable = tables(fs)[0]!
  fs.bytesOf(damagedTable)[100]! ^= 0xff
  await assert.rejects(Shale.open('/db', { fileSystem: fs }), (e: unknown) => e instanceof ShaleError && e.code === 'CORRUPTION')
  assert.equal(checkDatabase('/db', { fileSystem: fs }).ok, false)

  const report = await repairDatabase('/db', { fileSystem: fs })
  assert.ok(report.tablesDamaged >= 1) // the flipped one, plus any table a flush was writing at the crash
  assert.ok(report.lostBlocks >= 1)
  assert.ok(report.logRecords >= 100, 'log records were replayed')
  assert.ok(report.moved.length > 0)

  const db = await Shale.open('/db', { fileSystem: fs })
  let present = 0
  for (let i = 0; i < N + 100; i++) {
    const v = await db.get(key(i))
    if (i < N && i % 10 === 0) assert.equal(v, undefined, `${key(i)} was deleted`)
    else if (v !== undefined) {
      assert.equal(v.toString(), value(i))
      present++
    }
  }
  for (let i = N; i < N + 100; i++) assert.equal((await db.get(key(i)))?.toString(), value(i), 'every synced log write survives')
  // Only the entries of the damaged block (a few dozen at most) may be gone.
  assert.ok(present >= N * 0.9 - 60 + 100, `${present} keys survived`)
  await db.close()
  assert.equal(checkDatabase('/db', { fileSystem: fs }).ok, true)
})

test('repair of a healthy database keeps every key', async () => {
  const fs = await build()
  await repairDatabase('/db', { fileSystem: fs })
  const db = await Shale.open('/db', { fileSystem: fs })
  let n = 0
  for await (const [k, v] of db.iterator()) {
    assert.equal(v.toString(), value(Number(k.toString().slice(4))))
    n++
  }
  assert.equal(n, N - N / 10 + 100)
  await db.close()
})

/** One table of 3,002 entries in about 50 blocks, and nothing else: the store of the report. */
async function oneTable(): Promise<{ fs: MemoryFileSystem; table: string }> {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs, blockSize: 1024 })
  for (let i = 0; i < 3002; i++) await db.put(key(i), value(i))
  await db.flush()
  await db.close()
  return { fs, table: tables(fs)[0]! }
}

test('repair salvages every intact data block of a table whose index or footer is damaged', async () => {
  const { fs: pristine, table } = await oneTable()
  const size = pristine.bytesOf(table).length
  const footer = decodeFooter(pristine.bytesOf(table).subarray(size - FOOTER_SIZE), size, table)
  const positions: [string, number][] = [
    ['index', footer.index.offset + 20],
    ['index trailer', footer.index.offset + footer.index.size + 1],
    ['footer handles', size - FOOTER_SIZE + 14],
    ['footer checksum', size - FOOTER_SIZE + 40],
    ['footer magic', size - 1],
    ['properties', footer.properties.offset + 2],
    ['filter', footer.filter.offset + 2],
  ]
  for (const [where, at] of positions) {
    const fs = pristine.crash()
    fs.bytesOf(table)[at]! ^= 0x40
    const report = await repairDatabase('/db', { fileSystem: fs })
    assert.equal(report.tablesDamaged, 1, where)
    const [damaged] = report.damagedTables
    assert.equal(damaged!.entries, 3002, `${where}: entries salvaged`)
    assert.equal(damaged!.lostBlocks, 0, where)
    assert.equal(damaged!.lostBytes, 0, where)
    const db = await Shale.open('/db', { fileSystem: fs })
    let n = 0
    for await (const [k, v] of db.iterator()) {
      assert.equal(v.toString(), value(Number(k.toString().slice(4))))
      n++
    }
    assert.equal(n, 3002, `${where}: keys after repair`)
    await db.close()
  }
})

test('repair reports the loss of a table it cannot size as uncounted, never as 0', async () => {
  const { fs, table } = await oneTable()
  const bytes = fs.bytesOf(table)
  const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE), bytes.length, table)
  bytes[footer.index.offset + 3]! ^= 0x40
  bytes[footer.properties.offset + 3]! ^= 0x40
  bytes[1000]! ^= 0x40 // a data block
  const report = await repairDatabase('/db', { fileSystem: fs })
  const [damaged] = report.damagedTables
  assert.equal(damaged!.lostBlocks, null)
  assert.equal(damaged!.lostEntries, null)
  assert.ok(damaged!.lostBytes > 0)
  assert.ok(damaged!.entries > 2800 && damaged!.entries < 3002, `${damaged!.entries} entries`)
})

test('repair applies range deletions from intact tables, damaged tables and logs: deleted keys stay deleted', async () => {
  const fs = new MemoryFileSystem()
  const options = { fileSystem: fs, memtableSize: 64 * 1024, blockSize: 256 }
  const db = await Shale.open('/db', options)
  const k = (i: number): string => `k${String(i).padStart(3, '0')}`
  for (let i = 0; i < 300; i++) await db.put(k(i), `v${i}`)
  await db.flush()
  // In a table: one holding the tombstone and a data block, which the second case damages.
  await db.put('a-marker', 'x')
  await db.deleteRange(k(20), k(50))
  await db.flush()
  // In the log only.
  await db.deleteRange(k(100), k(150), { sync: true })
  await db.close()
  const expected = (i: number): boolean => !((i >= 20 && i < 50) || (i >= 100 && i < 150))

  for (const damage of [false, true]) {
    // A copy of the closed store (everything in it is synced).
    const copy = fs.crash()
    copy.remove('/db/CURRENT')
    if (damage) {
      // The newest table holds the range deletion and 'a-marker': damage its one data block.
      const newest = tables(copy).at(-1)!
      copy.bytesOf(newest)[3]! ^= 0xff
    }
    const report = await repairDatabase('/db', { ...options, fileSystem: copy })
    if (damage) assert.equal(report.tablesDamaged, 1)
    const again = await Shale.open('/db', { ...options, fileSystem: copy })
    for (let i = 0; i < 300; i++) assert.equal((await again.get(k(i)))?.toString(), expected(i) ? `v${i}` : undefined, `${k(i)} (damaged table: ${damage})`)
    await again.close()
  }
})

test('repair keeps range deletions: from intact tables and from the log, what they deleted stays deleted', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 16 * 1024, blockSize: 512, l0CompactionTrigger: 100, l0SlowdownTrigger: 100, l0StopTrigger: 100 })
  for (let i = 0; i < 300; i++) await db.put(key(i), value(i))
  await db.flush()
  // In a table of its own, over keys in the older table; and one only in the log.
  await db.deleteRange(key(10), key(100))
  await db.put(key(50), 'after the range deletion')
  await db.flush()
  await db.deleteRange(key(200), key(250), { sync: true })
  await db.put(key(220), 'after the logged range deletion', { sync: true })
  const want = new Map<string, string>()
  for (const [k, v] of db.iterator()) want.set(k.toString(), v.toString())
  assert.equal(want.size, 300 - 90 + 1 - 50 + 1)
  const image = fs.crash()
  await db.close()
  const report = await repairDatabase('/db', { fileSystem: image })
  assert.equal(report.keys, want.size)
  const repaired = await Shale.open('/db', { fileSystem: image })
  const got = new Map<string, string>()
  for (const [k, v] of repaired.iterator()) got.set(k.toString(), v.toString())
  assert.deepEqual(got, want)
  await repaired.close()
})

test('repair keeps the range deletions of a table whose data block is damaged', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 64 * 1024, blockSize: 512, l0CompactionTrigger: 100, l0SlowdownTrigger: 100, l0StopTrigger: 100 })
  for (let i = 0; i < 300; i++) await db.put(key(i), value(i))
  await db.flush()
  const older = tables(fs)
  await db.deleteRange(key(10), key(100))
  for (let i = 1000; i < 1200; i++) await db.put(key(i), value(i))
  await db.flush()
  await db.close()
  const newer = tables(fs).find((t) => !older.includes(t))!
  fs.bytesOf(newer)[10]! ^= 0xff // inside its first data block
  const report = await repairDatabase('/db', { fileSystem: fs })
  assert.equal(report.tablesDamaged, 1)
  const repaired = await Shale.open('/db', { fileSystem: fs })
  for (let i = 0; i < 300; i++) assert.equal((await repaired.get(key(i)))?.toString(), i >= 10 && i < 100 ? undefined : value(i), key(i))
  await repaired.close()
})
