// Read-only opens beside a writer in the same process: what they see at open, after
// refresh(), across the writer's flushes, compactions and reopens, and that they never
// change a file. The cross-process test is read-only-processes.test.ts.

import assert from 'node:assert/strict'
import { appendFileSync, chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Shale, ShaleError, type FileSystem } from '../../src/index.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'
import { tempDir } from '../helpers/temp-dir.js'
import { runModule } from '../helpers/module-child.js'

const code = (c: string) => (e: unknown) => e instanceof ShaleError && e.code === c
const SMALL = { memtableSize: 4096, blockSize: 256, l1TargetSize: 16 * 1024, targetFileSize: 4096, levelMultiplier: 4 }
const text = (b: Buffer | undefined) => b?.toString()

/** A NodeFileSystem that fails the test on any call that could change the disk. */
function readOnlyFileSystem(): FileSystem & { mutations: string[] } {
  const real = new NodeFileSystem()
  const mutations: string[] = []
  const refuse = (what: string) => (path: string) => {
    mutations.push(`${what} ${path}`)
    throw new Error(`read-only handle called ${what} ${path}`)
  }
  return {
    mutations,
    stat: (p) => real.stat(p),
    list: (d) => real.list(d),
    openRead: (p) => real.openRead(p),
    readAll: (p) => real.readAll(p),
    mkdir: refuse('mkdir'),
    create: refuse('create'),
    rename: refuse('rename'),
    remove: refuse('remove'),
    lock: refuse('lock'),
    syncDir: (d) => {
      mutations.push(`syncDir ${d}`)
      return Promise.reject(new Error('syncDir'))
    },
  }
}

test('bad directories: missing is NOT_FOUND and creates nothing, foreign INVALID_ARGUMENT, a lost MANIFEST CORRUPTION', async () => {
  const tmp = tempDir()
  try {
    const missing = join(tmp.path, 'missing')
    await assert.rejects(Shale.open(missing, { readOnly: true }), code('NOT_FOUND'))
    assert.deepEqual(readdirSync(tmp.path), [])
    mkdirSync(join(tmp.path, 'empty'))
    await assert.rejects(Shale.open(join(tmp.path, 'empty'), { readOnly: true }), code('NOT_FOUND'))
    assert.deepEqual(readdirSync(join(tmp.path, 'empty')), [])
    mkdirSync(join(tmp.path, 'foreign'))
    writeFileSync(join(tmp.path, 'foreign', 'notes.txt'), 'hello')
    await assert.rejects(Shale.open(join(tmp.path, 'foreign'), { readOnly: true }), (e) => code('INVALID_ARGUMENT')(e) && /not a Shale database/.test(String(e)))
    writeFileSync(join(tmp.path, 'file'), 'x')
    await assert.rejects(Shale.open(join(tmp.path, 'file'), { readOnly: true }), code('INVALID_ARGUMENT'))
    const store = join(tmp.path, 'store')
    await (await Shale.open(store)).close()
    writeFileSync(join(store, 'CURRENT'), 'MANIFEST-000999\n')
    await assert.rejects(Shale.open(store, { readOnly: true }), (e) => code('CORRUPTION')(e) && /MANIFEST-000999/.test(String(e)))
  } finally {
    tmp.remove()
  }
})

test('beside a live writer: sees the state as of open, refresh() moves it forward, writes are READ_ONLY', async () => {
  const tmp = tempDir()
  const writer = await Shale.open(tmp.path, SMALL)
  try {
    for (let i = 0; i < 300; i++) await writer.put(`k${i}`, `v${i}`)
    await writer.flush()
    await writer.put('in-log', 'yes', { sync: true })
    await writer.delete('k0', { sync: true })
    const fs = readOnlyFileSystem()
    const reader = await Shale.open(tmp.path, { readOnly: true, fileSystem: fs })
    try {
      assert.equal(reader.readOnly, true)
      assert.equal(text(reader.getSync('k1')), 'v1')
      assert.equal(text(await reader.get('in-log')), 'yes')
      assert.equal(await reader.get('k0'), undefined)
      assert.equal(await reader.has('k299'), true)
      assert.deepEqual((await reader.getMany(['k2', 'nope'])).map(text), ['v2', undefined])
      assert.equal([...reader.iterator({ gte: 'k', lt: 'l' })].length, 299)
      assert.equal(reader.stats().lastSequence, writer.stats().lastSequence)

      for (const attempt of [
        () => reader.put('x', 'y'),
        () => reader.delete('k1'),
        () => reader.write([{ type: 'put', key: 'x', value: 'y' }]),
        () => reader.write([]),
        () => reader.flush(),
        () => reader.compactRange(),
      ]) {
        await assert.rejects(attempt(), code('READ_ONLY'))
      }

      await writer.put('later', '1', { sync: true })
      assert.equal(await reader.get('later'), undefined, 'not before refresh()')
      assert.equal(await reader.refresh(), true)
      assert.equal(text(await reader.get('later')), '1')
      assert.equal(await reader.refresh(), false, 'nothing new')
      await reader.waitForCompactions()
    } finally {
      await reader.close()
    }
    assert.deepEqual(fs.mutations, [])
    // The writer's lock was never touched: it still holds, and a second writer is refused.
    await assert.rejects(Shale.open(tmp.path), code('LOCKED'))
  } finally {
    await writer.close()
    tmp.remove()
  }
})

test('snapshots and iterators of a read-only handle keep their view while the writer compacts its tables away', async () => {
  const tmp = tempDir()
  const writer = await Shale.open(tmp.path, SMALL)
  try {
    for (let i = 0; i < 400; i++) await writer.put(`k${String(i).padStart(3, '0')}`, `old${i}`)
    await writer.flush()
    const reader = await Shale.open(tmp.path, { readOnly: true })
    try {
      const snap = reader.snapshot()
      const it = reader.iterator({ gte: 'k' })
      assert.equal(text(it.nextSync()?.[1]), 'old0')
      // Overwrite and delete everything, then push it all to the last level: the writer
      // drops every old version and deletes every table the reader's view lists.
      for (let i = 0; i < 400; i++) {
        if (i % 2 === 0) await writer.put(`k${String(i).padStart(3, '0')}`, `new${i}`)
        else await writer.delete(`k${String(i).padStart(3, '0')}`)
      }
      await writer.compactRange()
      const before = new Set(readdirSync(tmp.path))
      assert.ok(reader.stats().levels.some((l) => l.files > 0))
      // The old view reads on from tables the writer deleted.
      assert.equal(text(reader.getSync('k001', { snapshot: snap })), 'old1')
      assert.equal(text(await reader.get('k003')), 'old3', 'no refresh yet: the view as of open')
      let n = 1
      for (let e = it.nextSync(); e !== undefined; e = it.nextSync()) n++
      assert.equal(n, 400)
      assert.equal(await reader.refresh(), true)
      assert.equal(text(await reader.get('k002')), 'new2')
      assert.equal(await reader.get('k003'), undefined)
      assert.equal(text(reader.getSync('k003', { snapshot: snap })), 'old3', 'the snapshot still pins its view')
      assert.equal([...reader.iterator()].length, 200)
      snap.release()
      it.close()
      await reader.refresh()
      assert.ok(before.size > 0)
    } finally {
      await reader.close()
    }
  } finally {
    await writer.close()
    tmp.remove()
  }
})

test('follows the writer across flushes, a reopen (new MANIFEST) and a writer that has gone', async () => {
  const tmp = tempDir()
  let writer = await Shale.open(tmp.path, SMALL)
  const reader = await Shale.open(tmp.path, { readOnly: true })
  try {
    const expected = new Map<string, string>()
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 150; i++) {
        const k = `k${(round * 37 + i) % 200}`
        expected.set(k, `r${round}i${i}`)
        await writer.put(k, `r${round}i${i}`, { sync: i % 10 === 0 })
      }
      await writer.put('round', String(round), { sync: true })
      if (round === 2) {
        await writer.close()
        writer = await Shale.open(tmp.path, SMALL)
      }
      await reader.refresh()
      assert.equal(text(await reader.get('round')), String(round))
      for (const [k, v] of expected) assert.equal(text(reader.getSync(k)), v, `round ${round}, ${k}`)
    }
    await writer.close()
    // With no writer, a refresh sees what the writer's close left (every write durable).
    await reader.refresh()
    assert.equal(text(await reader.get('round')), '5')
    assert.equal(readdirSync(tmp.path).includes('LOCK'), false)
  } finally {
    await reader.close()
    if (!writer.closed) await writer.close()
    tmp.remove()
  }
})

test('a log whose last record is still being written (or torn) is read up to it, and the rest is read once complete', async () => {
  const tmp = tempDir()
  try {
    const writer = await Shale.open(tmp.path)
    await writer.put('a', '1', { sync: true })
    await writer.put('b', '2', { sync: true })
    await writer.close()
    // A writer's open starts a fresh log; append a record header that promises more than is there.
    const log = readdirSync(tmp.path).filter((n) => n.endsWith('.log')).sort().at(-1)!
    appendFileSync(join(tmp.path, log), Buffer.from([1, 2, 3, 4, 200, 0, 1, 9, 9]))
    const reader = await Shale.open(tmp.path, { readOnly: true })
    assert.equal(text(await reader.get('b')), '2')
    assert.equal(await reader.refresh(), false)
    await reader.close()
  } finally {
    tmp.remove()
  }
})

test('a read-only handle opens a store in a directory it may not write', async () => {
  const tmp = tempDir()
  try {
    const store = join(tmp.path, 'store')
    const w = await Shale.open(store)
    await w.put('a', '1', { sync: true })
    await w.put('b', '2')
    await w.close()
    chmodSync(tmp.path, 0o755)
    for (const name of readdirSync(store)) chmodSync(join(store, name), 0o444)
    chmodSync(store, 0o555)
    // Root ignores permission bits, so as root the reader runs as an unprivileged user.
    const asRoot = process.getuid?.() === 0
    const script = `
      const { Shale } = await import(${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)})
      const db = await Shale.open(${JSON.stringify(store)}, { readOnly: true })
      const out = [String(await db.get('a')), String(await db.get('b'))]
      await db.refresh()
      await db.close()
      let writable = true
      try { (await import('node:fs')).writeFileSync(${JSON.stringify(join(store, 'probe'))}, 'x') } catch { writable = false }
      console.log(JSON.stringify({ out, writable }))`
    const result = runModule(script, asRoot ? { uid: 65534, gid: 65534 } : {})
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), { out: ['1', '2'], writable: false })
  } finally {
    chmodSync(join(tmp.path, 'store'), 0o755)
    tmp.remove()
  }
})

test('a MANIFEST that ends in a torn record (a writer killed mid-edit) is read up to it, and refresh() settles', { timeout: 20_000 }, async () => {
  const tmp = tempDir()
  try {
    const writer = await Shale.open(tmp.path)
    await writer.put('a', '1', { sync: true })
    await writer.flush()
    await writer.close()
    const manifest = readdirSync(tmp.path).find((n) => n.startsWith('MANIFEST-'))!
    appendFileSync(join(tmp.path, manifest), Buffer.from([7, 7, 7, 7, 100, 0, 1, 42]))
    const reader = await Shale.open(tmp.path, { readOnly: true })
    assert.equal(text(await reader.get('a')), '1')
    assert.equal(await reader.refresh(), false)
    await reader.close()
  } finally {
    tmp.remove()
  }
})

test('a refresh lets go of the tables the writer deleted, across the writer reopening (no descriptor kept on a deleted table)', async (t) => {
  if (process.platform !== 'linux') {
    t.skip('counts open descriptors through /proc')
    return
  }
  const { readlinkSync } = await import('node:fs')
  const deletedTablesHeld = (dir: string): string[] =>
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`)
        } catch {
          return ''
        }
      })
      .filter((target) => target.startsWith(dir) && target.endsWith('.sst (deleted)'))
  const tmp = tempDir()
  let writer = await Shale.open(tmp.path, SMALL)
  const reader = await Shale.open(tmp.path, { readOnly: true })
  try {
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 300; i++) await writer.put(`k${i}`, `r${round}-${i}`)
      await writer.compactRange()
      await reader.refresh()
      assert.equal(text(await reader.get('k7')), `r${round}-7`)
      await writer.close()
      writer = await Shale.open(tmp.path, SMALL)
      await reader.refresh()
    }
    // The writer's last reopen and compactions replaced every table the earlier views held.
    await writer.compactRange()
    await reader.refresh()
    // Under Bun a replaced table is sometimes still open in this process (writer and reader
    // share it) a moment after these calls resolve, about one run in seven, already before
    // range deletion landed; the cause is not pinned down. One held for two seconds is a leak.
    let held = deletedTablesHeld(tmp.path)
    for (let i = 0; i < 40 && held.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      held = deletedTablesHeld(tmp.path)
    }
    assert.deepEqual(held, [])
  } finally {
    await reader.close()
    await writer.close()
    tmp.remove()
  }
})
