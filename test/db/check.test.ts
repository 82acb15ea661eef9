// check: every record that fails its checksum is damage, even at the end of a log, where
// open cannot tell it from a torn write and drops it; bytes merely missing at the end (a
// torn, unsynced write) are reported but are healthy.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { logFileName, parseFileName } from '../../src/base/file-names.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { Shale, checkDatabase } from '../../src/index.js'
import { LogWriter } from '../../src/wal/log-writer.js'
import { encodeBatch } from '../helpers/encode-batch.js'
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

test('a later log whose first sequence does not follow on: check says open will not replay it, and open keeps the prefix', async () => {
  const { fs, log, lastRecord } = await twoSyncedPuts()
  // The next log, as a crash could leave it: its unsynced record of sequence 3 reached the disk.
  const number = parseFileName(log.slice('/db/'.length))!.number + 1
  const next = new LogWriter(fs.create(logFileName('/db', number)), { bufferSize: 0 })
  next.addRecord(encodeBatch(3, [{ kind: ValueKind.Value, key: new TextEncoder().encode('c'), value: new TextEncoder().encode('3') }]))
  next.close()
  const whole = checkDatabase('/db', { fileSystem: fs })
  assert.equal(whole.ok, true)
  assert.ok(whole.files.filter((f) => f.kind === 'log').every((f) => f.detail === undefined), 'sequences 1, 2, 3 follow on')
  // The older log loses b's record exactly at its boundary: nothing torn to see.
  fs.overwrite(log, fs.bytesOf(log).slice(0, lastRecord))
  const report = checkDatabase('/db', { fileSystem: fs })
  assert.equal(report.ok, true, 'a lost unsynced tail is not damage')
  const later = report.files.find((f) => `/db/${f.name}` === logFileName('/db', number))!
  assert.equal(later.status, 'ok')
  assert.match(later.detail!, /not replayed on open: the logs before it end at sequence 1 and its first record holds sequence 3/)
  const db = await Shale.open('/db', { fileSystem: fs })
  assert.equal((await db.get('a'))?.toString(), '1')
  assert.equal(await db.get('b'), undefined)
  assert.equal(await db.get('c'), undefined, 'keeping c without b would be a hole in the history')
  await db.close()
})
