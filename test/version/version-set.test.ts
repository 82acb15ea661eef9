import assert from 'node:assert/strict'
import { test } from 'node:test'
import { VersionSet } from '../../src/version/version-set.js'
import { COMPARATOR_NAME, emptyEdit, encodeEdit } from '../../src/version/version-edit.js'
import { LogWriter } from '../../src/wal/log-writer.js'
import { ShaleError } from '../../src/errors.js'
import { deleteObsoleteFiles } from '../../src/db/obsolete-files.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import type { FileMetadata } from '../../src/version/file-metadata.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)
const DIR = '/db'

function file(number: number, lo: string, hi: string): FileMetadata {
  return { number, size: 100, smallestKey: b(lo), smallestSeq: 1, largestKey: b(hi), largestSeq: 2 }
}

/** A manifest history with two tables added and one removed; table files exist on disk. */
async function build(fs: MemoryFileSystem): Promise<VersionSet> {
  fs.mkdir(DIR)
  const vs = await VersionSet.create(DIR, fs)
  const [t1, t2, t3, log] = (await vs.allocateFileNumbers(4)) as [number, number, number, number]
  for (const [level, f] of [[0, file(t1, 'a', 'c')], [1, file(t2, 'd', 'f')], [1, file(t3, 'g', 'h')]] as const) {
    fs.create(`${DIR}/${String(f.number).padStart(6, '0')}.sst`).close()
    await fs.syncDir(DIR) // as a flush does before recording a table
    const e = emptyEdit()
    e.newFiles.push({ level, file: f })
    vs.advanceLastSequence(vs.lastSequence + 10)
    await vs.logAndApply(e)
  }
  const del = emptyEdit()
  del.deletedFiles.push({ level: 1, number: vs.current.levels[1]![0]!.number })
  fs.create(`${DIR}/${String(log).padStart(6, '0')}.log`).close()
  await fs.syncDir(DIR) // the live log exists before an edit names it
  del.logNumber = log
  await vs.logAndApply(del)
  return vs
}

const shape = (vs: VersionSet) => vs.current.levels.map((files) => files.map((f) => f.number))

test('recovery rebuilds the version and counters, then starts a fresh MANIFEST named by CURRENT', async () => {
  const fs = new MemoryFileSystem()
  const vs = await build(fs)
  const before = { shape: shape(vs), next: vs.nextFileNumber, seq: vs.lastSequence, log: vs.logNumber }
  vs.close()
  const back = await VersionSet.recover(DIR, fs)
  assert.deepEqual(shape(back), before.shape)
  assert.equal(back.lastSequence, before.seq)
  assert.equal(back.logNumber, before.log)
  assert.ok(back.nextFileNumber >= before.next)
  const current = new TextDecoder().decode(fs.readAll(`${DIR}/CURRENT`))
  assert.equal(current, `MANIFEST-${String(back.manifestNumber).padStart(6, '0')}\n`)
  assert.notEqual(back.manifestNumber, vs.manifestNumber)
  back.close()
})

test('lifetime counters are recorded with each edit and recovered; a MANIFEST written before them recovers at zero', async () => {
  const fs = new MemoryFileSystem()
  const vs = await build(fs)
  await vs.logAndApply(emptyEdit(), { userBytes: 1000, walBytes: 1100, flushes: 1, flushBytes: 600 })
  // Concurrent edits each add their own work: neither overwrites the other's totals.
  await Promise.all([
    vs.logAndApply(emptyEdit(), { compaction: { outputLevel: 1, bytesRead: 600, bytesWritten: 500 } }),
    vs.logAndApply(emptyEdit(), { compaction: { outputLevel: 1, bytesRead: 100, bytesWritten: 90 } }),
  ])
  const expected = { userBytes: 1000, walBytes: 1100, flushes: 1, flushBytes: 600, levels: [{ compactions: 0, bytesRead: 0, bytesWritten: 0 }, { compactions: 2, bytesRead: 700, bytesWritten: 590 }] }
  assert.deepEqual(vs.lifetime, expected)
  vs.close()
  const back = await VersionSet.recover(DIR, fs)
  assert.deepEqual(back.lifetime, expected, 'recovered from the last edit')
  back.close()
  const again = await VersionSet.recover(DIR, fs)
  assert.deepEqual(again.lifetime, expected, 'and carried by the snapshot that starts each MANIFEST')
  again.close()

  // A MANIFEST as Shale wrote it before lifetime counters existed.
  const old = new MemoryFileSystem()
  old.mkdir(DIR)
  const writer = new LogWriter(old.create(`${DIR}/MANIFEST-000001`))
  writer.addRecord(encodeEdit({ ...emptyEdit(), comparator: COMPARATOR_NAME, logNumber: 0, nextFileNumber: 2, lastSequence: 7 }))
  await writer.sync()
  writer.close()
  const current = old.create(`${DIR}/CURRENT`)
  current.append(new TextEncoder().encode('MANIFEST-000001\n'))
  current.close()
  const opened = await VersionSet.recover(DIR, old)
  assert.equal(opened.lastSequence, 7)
  assert.deepEqual(opened.lifetime, { userBytes: 0, walBytes: 0, flushes: 0, flushBytes: 0, levels: [] })
  opened.close()
})

test('edits that were synced survive a power loss; CURRENT is never torn', async () => {
  const fs = new MemoryFileSystem()
  const vs = await build(fs)
  const expected = shape(vs)
  const after = fs.crash()
  const back = await VersionSet.recover(DIR, after)
  assert.deepEqual(shape(back), expected)
  back.close()
  vs.close()
})

test('a torn last MANIFEST record is ignored; damage followed by a valid record is CORRUPTION', async () => {
  const fs = new MemoryFileSystem()
  const vs = await build(fs)
  vs.close()
  const manifest = `${DIR}/MANIFEST-${String(vs.manifestNumber).padStart(6, '0')}`
  const size = fs.bytesOf(manifest).length
  // Torn tail: drop the last few bytes of the final record (the deletion edit).
  const torn = fs.crash()
  torn.truncate(manifest, size - 3)
  const back = await VersionSet.recover(DIR, torn)
  assert.equal(back.current.levels[1]!.length, 2, 'the torn deletion edit did not apply')
  back.close()
  // Damage in the first record, valid records after it.
  const damaged = fs.crash()
  damaged.bytesOf(manifest)[10]! ^= 0xff
  await assert.rejects(VersionSet.recover(DIR, damaged), (e: unknown) => e instanceof ShaleError && e.code === 'CORRUPTION' && e.message.includes('MANIFEST'))
})

test('compaction pointers are recorded in the MANIFEST and survive reopening (twice: also through the snapshot record)', async () => {
  const fs = new MemoryFileSystem()
  const vs = await build(fs)
  const e = emptyEdit()
  e.compactPointers = [{ level: 1, key: b('f') }, { level: 3, key: b('q') }]
  await vs.logAndApply(e)
  const later = emptyEdit()
  later.compactPointers = [{ level: 1, key: b('h') }]
  await vs.logAndApply(later)
  const pointers = (v: VersionSet) => v.compactPointers.map((k) => (k === undefined ? undefined : new TextDecoder().decode(k)))
  const expected = [undefined, 'h', undefined, 'q', undefined, undefined, undefined]
  assert.deepEqual(pointers(vs), expected)
  vs.close()
  const once = await VersionSet.recover(DIR, fs)
  assert.deepEqual(pointers(once), expected)
  once.close()
  const twice = await VersionSet.recover(DIR, fs)
  assert.deepEqual(pointers(twice), expected)
  twice.close()
})

/** Adds a table file, then logs an edit listing it while the next `fault` fails with a full disk. */
async function failedTable(vs: VersionSet, fs: MemoryFileSystem, fault: 'sync' | 'syncDir'): Promise<number> {
  const [n] = (await vs.allocateFileNumbers(1)) as [number]
  fs.create(`${DIR}/${String(n).padStart(6, '0')}.sst`).close()
  await fs.syncDir(DIR)
  fs.failNth(fault, 1, 'ENOSPC')
  const e = emptyEdit()
  e.newFiles.push({ level: 0, file: file(n, 'x', 'z') })
  await assert.rejects(vs.logAndApply(e), (err: unknown) => err instanceof ShaleError && err.code === 'NO_SPACE')
  assert.ok(![...vs.current.allFiles()].some((f) => f.number === n), 'the edit was not applied')
  return n
}

const collect = (vs: VersionSet, fs: MemoryFileSystem) => deleteObsoleteFiles(fs, DIR, { tables: vs.liveTableNumbers(), minLogNumber: vs.logNumber, manifestNumber: vs.manifestNumber })

test('an edit whose MANIFEST fsync failed keeps its table: the record is in the file, and the next open lists it', async () => {
  const fs = new MemoryFileSystem()
  const vs = await build(fs)
  collect(vs, fs)
  const table = await failedTable(vs, fs, 'sync')
  assert.deepEqual(collect(vs, fs), [])
  vs.close()
  const back = await VersionSet.recover(DIR, fs)
  assert.ok([...back.current.allFiles()].some((f) => f.number === table))
  back.close()
})

test('tables of failed edits stay until a fresh MANIFEST written from the current version replaces the one that may hold them', async () => {
  const fs = new MemoryFileSystem()
  const vs = await build(fs)
  collect(vs, fs)
  const appended = await failedTable(vs, fs, 'sync')
  // The fresh MANIFEST replacing the broken one holds the edit, and CURRENT names it before the directory sync fails.
  const renamed = await failedTable(vs, fs, 'syncDir')
  assert.deepEqual(collect(vs, fs), [])
  await vs.logAndApply(emptyEdit())
  assert.deepEqual(collect(vs, fs).filter((name) => name.endsWith('.sst')).sort(), [appended, renamed].map((n) => `${String(n).padStart(6, '0')}.sst`).sort())
  vs.close()
  const back = await VersionSet.recover(DIR, fs)
  assert.deepEqual(shape(back), shape(vs))
  back.close()
})
