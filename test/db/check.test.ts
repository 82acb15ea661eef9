// check: every record that fails its checksum is damage, even at the end of a log, where
// open cannot tell it from a torn write and drops it; bytes merely missing at the end (a
// torn, unsynced write) are reported but are healthy.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, checkDatabase } from '../../src/index.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

/** `put a 1`, `put b 2`, each synced, as `shale put` does; returns the log's path and where b's record starts. */
async function twoSyncedPuts(): Promise<{ fs: MemoryFileSystem; log: string; lastRecord: number }> {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs })
  await db.put('a', '1', { sync: true })
  const log = [...fs.files.keys()].find((p) => p.endsWith('.log'))!
  const lastRecord = fs.bytesOf(log).length
  await db.put('b', '2', { sync: true })
  await db.close()
  return { fs, log, lastRecord }
}

test('check reports a log whose last record fails its checksum as damaged, and says open drops it', async () => {
  const { fs, log, lastRecord } = await twoSyncedPuts()
  const bytes = fs.bytesOf(log)
  bytes[bytes.length - 1]! ^= 0x01 // the last byte of b's value
  const report = checkDatabase('/db', { fileSystem: fs })
  assert.equal(report.ok, false, 'a synced record failing its checksum is damage')
  const entry = report.files.find((f) => f.kind === 'log')!
  assert.equal(entry.status, 'corrupt')
  assert.match(entry.detail!, new RegExp(`offset ${lastRecord}: checksum mismatch`))
  assert.match(entry.detail!, /open drops/)
  // ...which is what open does: the record cannot be told from a torn write.
  const db = await Shale.open('/db', { fileSystem: fs })
  assert.equal((await db.get('a'))?.toString(), '1')
  assert.equal(await db.get('b'), undefined)
  await db.close()
})

test('check reports a log cut part-way through its last record as a healthy torn tail', async () => {
  const { fs, log, lastRecord } = await twoSyncedPuts()
  const bytes = fs.bytesOf(log)
  fs.overwrite(log, bytes.slice(0, bytes.length - 3))
  const report = checkDatabase('/db', { fileSystem: fs })
  assert.equal(report.ok, true)
  const entry = report.files.find((f) => f.kind === 'log')!
  assert.equal(entry.status, 'ok')
  assert.match(entry.detail!, new RegExp(`torn tail at offset ${lastRecord}: truncated`))
})

test('check lists every damaged record of a log, and says open refuses damage followed by valid records', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs })
  const log = [...fs.files.keys()].find((p) => p.endsWith('.log'))!
  const starts: number[] = []
  for (let i = 0; i < 5; i++) {
    starts.push(fs.bytesOf(log).length)
    await db.put(`k${i}`, 'v'.repeat(100), { sync: true })
  }
  await db.close()
  fs.bytesOf(log)[starts[1]! + 20]! ^= 0x01
  fs.bytesOf(log)[starts[3]! + 20]! ^= 0x01
  const entry = checkDatabase('/db', { fileSystem: fs }).files.find((f) => f.kind === 'log')!
  assert.equal(entry.status, 'corrupt')
  assert.match(entry.detail!, new RegExp(`offset ${starts[1]}: checksum mismatch`))
  assert.match(entry.detail!, /open refuses it with CORRUPTION/)
})

test('check counts every damaged block of a table, not only the first', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs, blockSize: 512, compression: 'none' })
  for (let i = 0; i < 2000; i++) await db.put(`key-${String(i).padStart(5, '0')}`, `value ${i}`)
  await db.flush()
  await db.close()
  const table = [...fs.files.keys()].find((p) => p.endsWith('.sst'))!
  fs.bytesOf(table)[100]! ^= 0x01
  fs.bytesOf(table)[5000]! ^= 0x01
  const entry = checkDatabase('/db', { fileSystem: fs }).files.find((f) => f.kind === 'table')!
  assert.equal(entry.status, 'corrupt')
  assert.match(entry.detail!, /block at offset 0: checksum mismatch/)
  assert.match(entry.detail!, /repair would keep \d+ entries in \d+ intact data blocks and lose 2 blocks/)
})
