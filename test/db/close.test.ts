// The close sequence (src/db/close.ts), through the public API: a close makes every write
// durable, lets go of iterators, snapshots and files, and releases the lock; a read-only
// handle's close leaves its writer alone.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, ShaleError } from '../../src/index.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

test('close makes a write made without sync durable: it survives a power cut right after', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs })
  await db.put('a', '1')
  await db.close()
  const after = await Shale.open('/db', { fileSystem: fs.crash() })
  assert.equal((await after.get('a'))?.toString(), '1')
  await after.close()
})

test('close marks the handle closed at once, returns one promise however often it is called, and releases the lock', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs })
  const closing = db.close()
  assert.equal(db.closed, true)
  assert.equal(db.close(), closing)
  await closing
  await assert.rejects(db.put('a', '1'), (e) => e instanceof ShaleError && e.code === 'CLOSED')
  const again = await Shale.open('/db', { fileSystem: fs })
  await again.close()
})

test('close ends open iterators, releases snapshots and closes every table file', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs })
  await db.put('a', '1')
  await db.flush()
  const it = db.iterator()
  const snap = db.snapshot()
  assert.equal((await db.get('a', { snapshot: snap }))?.toString(), '1')
  await db.close()
  assert.equal(it.closed, true)
  assert.equal(snap.released, true)
  assert.equal(fs.openFiles.size, 0)
})

test('a read-only handle closes its files and leaves the writer working', async () => {
  const fs = new MemoryFileSystem()
  const writer = await Shale.open('/db', { fileSystem: fs })
  await writer.put('a', '1')
  await writer.flush()
  const reader = await Shale.open('/db', { fileSystem: fs, readOnly: true })
  assert.equal((await reader.get('a'))?.toString(), '1')
  const before = fs.openFiles.size
  await reader.close()
  assert.ok(fs.openFiles.size < before)
  await writer.put('b', '2', { sync: true })
  assert.equal((await writer.get('b'))?.toString(), '2')
  await writer.close()
  assert.equal(fs.openFiles.size, 0)
})
