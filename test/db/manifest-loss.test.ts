// A MANIFEST that lost edits (truncated, or replaced by an older copy) replays cleanly, and
// an open that trusted it would delete the lost edits' tables as orphans. Every such case
// must end in CORRUPTION naming the MANIFEST with nothing deleted, or in a store that still
// holds every key; and repair must then bring every key back.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, ShaleError, checkDatabase, repairDatabase, type Options } from '../../src/index.js'
import { LogReader } from '../../src/wal/log-reader.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const DIR = '/db'
const ROUND = 5000
const IN_TABLES = 4 * ROUND
const IN_LOG = 100
const key = (i: number): string => `key-${String(i).padStart(6, '0')}`
const value = (i: number): string => `value-${i}`
const options: Options = { memtableSize: 64 * 1024, targetFileSize: 32 * 1024, blockSize: 1024 }

interface Store {
  fs: MemoryFileSystem
  manifest: string
  /** The MANIFEST as it was after each round. */
  olderCopies: Uint8Array[]
}

/** Four rounds of 5,000 keys, each flushed, a compactRange after the second; then 100 keys left in the log. */
async function build(): Promise<Store> {
  const fs = new MemoryFileSystem()
  const db = await Shale.open(DIR, { ...options, fileSystem: fs })
  const manifest = (): string => [...fs.files.keys()].find((p) => p.includes('MANIFEST-'))!
  const olderCopies: Uint8Array[] = []
  for (let round = 0; round < 4; round++) {
    for (let i = round * ROUND; i < (round + 1) * ROUND; i++) await db.put(key(i), value(i))
    await db.flush()
    if (round === 1) await db.compactRange()
    await db.waitForCompactions()
    olderCopies.push(fs.bytesOf(manifest()).slice())
  }
  for (let i = IN_TABLES; i < IN_TABLES + IN_LOG; i++) await db.put(key(i), value(i), { sync: true })
  await db.close()
  return { fs, manifest: manifest(), olderCopies }
}

/** An exact copy of the files as they are now (not as a power loss would leave them). */
async function copyOf(fs: MemoryFileSystem): Promise<MemoryFileSystem> {
  const copy = new MemoryFileSystem()
  copy.mkdir(DIR)
  for (const path of fs.files.keys()) {
    copy.create(path).close()
    copy.overwrite(path, fs.bytesOf(path).slice())
  }
  await copy.syncDir(DIR)
  return copy
}

const listing = (fs: MemoryFileSystem): string[] => fs.list(DIR).sort()

/** Opens the store; returns 'refused' (after checking nothing was deleted) or the keys it holds. */
async function openAndCount(fs: MemoryFileSystem, what: string): Promise<'refused' | number> {
  const before = listing(fs)
  let db: Shale
  try {
    db = await Shale.open(DIR, { ...options, fileSystem: fs })
  } catch (err) {
    assert.ok(err instanceof ShaleError && err.code === 'CORRUPTION', `${what}: ${String(err)}`)
    assert.match(err.message, /MANIFEST-/, what)
    assert.deepEqual(listing(fs), before, `${what}: a refused open deleted files`)
    return 'refused'
  }
  let n = 0
  try {
    for await (const [k, v] of db.iterator()) {
      assert.equal(v.toString(), value(Number(k.toString().slice(4))), what)
      n++
    }
  } finally {
    await db.close()
  }
  return n
}

/** Record start offsets of a log-format file, and its size. */
function recordOffsets(fs: MemoryFileSystem, path: string): { starts: number[]; size: number } {
  const file = fs.openRead(path)
  try {
    const reader = new LogReader(file, path)
    const starts: number[] = []
    for (let r = reader.next(); r.type !== 'eof'; r = reader.next()) {
      assert.equal(r.type, 'record')
      if (r.type === 'record') starts.push(r.offset)
    }
    return { starts, size: file.size }
  } finally {
    file.close()
  }
}

test('a MANIFEST truncated at every record boundary and inside every record is refused, or loses nothing', async () => {
  const store = await build()
  const { starts, size } = recordOffsets(store.fs, store.manifest)
  assert.ok(starts.length >= 10, `${starts.length} records`)
  const cuts = new Set<number>()
  starts.forEach((start, i) => {
    const end = starts[i + 1] ?? size
    for (const at of [start, start + 1, start + 7, Math.floor((start + end) / 2), end - 1]) if (at < size) cuts.add(at)
  })
  let refused = 0
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const fs = await copyOf(store.fs)
    fs.truncate(store.manifest, cut)
    const outcome = await openAndCount(fs, `MANIFEST cut at ${cut} of ${size}`)
    if (outcome === 'refused') refused++
    else assert.equal(outcome, IN_TABLES + IN_LOG, `MANIFEST cut at ${cut} of ${size}: keys lost`)
  }
  assert.ok(refused > 0)
})

test('a MANIFEST replaced by an older copy is refused, and repair then recovers every key', async () => {
  const store = await build()
  for (const [round, older] of store.olderCopies.slice(0, 3).entries()) {
    const fs = await copyOf(store.fs)
    fs.overwrite(store.manifest, older)
    const what = `MANIFEST as of round ${round}`
    assert.equal(await openAndCount(fs, what), 'refused', what)
    await repairDatabase(DIR, { ...options, fileSystem: fs })
    assert.equal(await openAndCount(fs, `${what}, repaired`), IN_TABLES + IN_LOG)
  }
})

test('the case of the report: a MANIFEST cut to its first records keeps every table on disk', async () => {
  const store = await build()
  const fs = await copyOf(store.fs)
  const tables = listing(fs).filter((n) => n.endsWith('.sst'))
  fs.truncate(store.manifest, recordOffsets(fs, store.manifest).starts[2]!)
  assert.equal(await openAndCount(fs, 'cut after two records'), 'refused')
  assert.deepEqual(listing(fs).filter((n) => n.endsWith('.sst')), tables)
})

test('check calls a MANIFEST that lost edits damaged, as open does', async () => {
  const store = await build()
  const fs = await copyOf(store.fs)
  assert.equal(checkDatabase(DIR, { fileSystem: fs }).ok, true)
  fs.overwrite(store.manifest, store.olderCopies[1]!)
  const report = checkDatabase(DIR, { fileSystem: fs })
  assert.equal(report.ok, false)
  const manifest = report.files.find((f) => f.kind === 'manifest')!
  assert.equal(manifest.status, 'corrupt')
  assert.match(manifest.detail!, /edits are missing/)
})
