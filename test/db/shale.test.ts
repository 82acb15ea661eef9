// The public API: reads and writes, argument checking, error codes, locking, snapshots,
// iterators pinned across flushes, stats and group commit.

import assert from 'node:assert/strict'
import { writeFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { MAX_KEY_SIZE, Shale, ShaleError } from '../../src/index.js'
import { compareInternalKeys } from '../../src/base/internal-key.js'
import { Block, BlockCursor } from '../../src/table/block.js'
import { BLOCK_TRAILER_SIZE, FOOTER_SIZE, checkBlock, decodeBlockHandle, decodeFooter } from '../../src/table/format.js'
import { tempDir } from '../helpers/temp-dir.js'
import { runModule } from '../helpers/module-child.js'

const code = (c: string) => (e: unknown) => e instanceof ShaleError && e.code === c

async function withDb(fn: (db: Shale, dir: string) => Promise<void>, options = {}): Promise<void> {
  const dir = tempDir()
  const db = await Shale.open(dir.path, options)
  try {
    await fn(db, dir.path)
  } finally {
    await db.close()
    dir.remove()
  }
}

test('put, get, delete and overwrite with strings and buffers', async () => {
  await withDb(async (db) => {
    await db.put('a', '1')
    await db.put(Buffer.from('b'), new Uint8Array([0, 255]))
    assert.equal((await db.get('a'))?.toString(), '1')
    assert.deepEqual([...(await db.get('b'))!], [0, 255])
    assert.ok(Buffer.isBuffer(await db.get('a')))
    await db.put('a', '2')
    assert.equal(db.getSync('a')?.toString(), '2')
    await db.delete('a')
    assert.equal(await db.get('a'), undefined)
    assert.equal(await db.has('b'), true)
    assert.equal(await db.has('a'), false)
    assert.deepEqual((await db.getMany(['a', 'b', 'c'])).map((v) => v?.length), [undefined, 2, undefined])
    await db.put('empty', '')
    assert.equal((await db.get('empty'))?.length, 0)
  })
})

test('values are copied: mutating the caller buffer or the returned buffer changes nothing stored', async () => {
  await withDb(async (db) => {
    const v = Buffer.from('original')
    await db.put('k', v)
    v.write('XXXXXXXX')
    const got = (await db.get('k'))!
    assert.equal(got.toString(), 'original')
    got.write('YYYYYYYY')
    assert.equal((await db.get('k'))!.toString(), 'original')
  })
})

test('atomic batch applies puts and deletes in order', async () => {
  await withDb(async (db) => {
    await db.put('x', 'old')
    await db.write([
      { type: 'put', key: 'a', value: '1' },
      { type: 'del', key: 'x' },
      { type: 'put', key: 'a', value: '2' },
    ], { sync: true })
    assert.equal((await db.get('a'))?.toString(), '2')
    assert.equal(await db.get('x'), undefined)
    await db.write([])
  })
})

test('invalid arguments are rejected with INVALID_ARGUMENT and nothing is written', async () => {
  await withDb(async (db) => {
    await assert.rejects(db.put('', 'v'), code('INVALID_ARGUMENT'))
    await assert.rejects(db.put(42 as unknown as string, 'v'), code('INVALID_ARGUMENT'))
    await assert.rejects(db.put('k', null as unknown as string), code('INVALID_ARGUMENT'))
    await assert.rejects(db.put(Buffer.alloc(MAX_KEY_SIZE + 1), 'v'), code('INVALID_ARGUMENT'))
    await assert.rejects(db.put('k', 'v', { sync: 'yes' as unknown as boolean }), code('INVALID_ARGUMENT'))
    await assert.rejects(db.write([{ type: 'put', key: 'ok', value: '1' }, { type: 'nope' } as never]), code('INVALID_ARGUMENT'))
    await assert.rejects(db.write('nope' as never), code('INVALID_ARGUMENT'))
    assert.equal(await db.get('ok'), undefined, 'a batch with one bad operation writes nothing')
    assert.throws(() => db.getSync(undefined as unknown as string), code('INVALID_ARGUMENT'))
    assert.throws(() => db.iterator({ limit: -5 }), code('INVALID_ARGUMENT'))
    assert.throws(() => db.iterator({ gte: 5 as unknown as string }), code('INVALID_ARGUMENT'))
    assert.equal(db.stats().writes, 0)
  })
  await assert.rejects(Shale.open(tempDir().path, { memtableSize: -1 }), code('INVALID_ARGUMENT'))
  await assert.rejects(Shale.open(tempDir().path, { nonsense: 1 } as never), code('INVALID_ARGUMENT'))
  await assert.rejects(Shale.open(''), code('INVALID_ARGUMENT'))
})

test('use after close fails with CLOSED', async () => {
  const dir = tempDir()
  const db = await Shale.open(dir.path)
  await db.put('k', 'v')
  const it = db.iterator()
  await db.close()
  await db.close() // idempotent
  await assert.rejects(db.put('k', 'v'), code('CLOSED'))
  await assert.rejects(db.get('k'), code('CLOSED'))
  assert.throws(() => db.iterator(), code('CLOSED'))
  assert.throws(() => db.snapshot(), code('CLOSED'))
  assert.throws(() => it.nextSync(), code('CLOSED'))
  dir.remove()
})

test('a second open of the same directory fails with LOCKED, in this process and in another', async () => {
  await withDb(async (_db, dir) => {
    await assert.rejects(Shale.open(dir), code('LOCKED'))
    const script = `import { Shale } from '${new URL('../../src/index.js', import.meta.url).href}'\ntry { await Shale.open(${JSON.stringify(dir)}); console.log('opened') } catch (e) { console.log(e.code) }`
    const out = runModule(script)
    assert.equal(out.stdout.trim(), 'LOCKED', out.stderr)
  })
})

test('opening a file, a foreign directory or a missing one without createIfMissing fails clearly', async () => {
  const dir = tempDir()
  try {
    const file = join(dir.path, 'plain-file')
    writeFileSync(file, 'hello')
    await assert.rejects(Shale.open(file), code('INVALID_ARGUMENT'))
    const foreign = join(dir.path, 'foreign')
    mkdirSync(foreign)
    writeFileSync(join(foreign, 'photo.jpg'), 'x')
    await assert.rejects(Shale.open(foreign), (e: unknown) => code('INVALID_ARGUMENT')(e) && /not a Shale database/.test((e as Error).message))
    await assert.rejects(Shale.open(join(dir.path, 'missing'), { createIfMissing: false }), code('NOT_FOUND'))
    // errorIfExists on a directory that already holds a database.
    const existing = join(dir.path, "existing")
    const db = await Shale.open(existing)
    await db.close()
    await assert.rejects(Shale.open(existing, { errorIfExists: true }), code('INVALID_ARGUMENT'))
  } finally {
    dir.remove()
  }
})

test('data survives close and reopen, including after flushes', async () => {
  const dir = tempDir()
  try {
    let db = await Shale.open(dir.path, { memtableSize: 4096, blockSize: 256 })
    for (let i = 0; i < 2000; i++) await db.put(`key-${String(i).padStart(5, '0')}`, `value-${i}`)
    for (let i = 0; i < 2000; i += 3) await db.delete(`key-${String(i).padStart(5, '0')}`)
    assert.ok(db.stats().flushes > 0, 'tiny memtable forces flushes')
    await db.close()
    db = await Shale.open(dir.path, { memtableSize: 4096, blockSize: 256 })
    for (let i = 0; i < 2000; i++) {
      const v = await db.get(`key-${String(i).padStart(5, '0')}`)
      assert.equal(v?.toString(), i % 3 === 0 ? undefined : `value-${i}`)
    }
    let count = 0
    for await (const _ of db.iterator()) count++
    assert.equal(count, 2000 - Math.ceil(2000 / 3))
    await db.close()
  } finally {
    dir.remove()
  }
})

test('keys far over 64 KiB survive flush, compaction and reopen', async () => {
  const dir = tempDir()
  // Two 1 MiB keys that share all but their last byte: the block stores the second as a
  // prefix length of about a million and a one-byte suffix, and both are index keys.
  const big = (last: number) => Buffer.concat([Buffer.alloc(1 << 20, 'k'), Buffer.from([last])])
  const options = { memtableSize: 64 * 1024, blockSize: 4096 }
  try {
    let db = await Shale.open(dir.path, options)
    await db.put('a', 'first')
    await db.put(big(1), 'one')
    await db.put(big(2), 'two')
    await db.put('z', 'last')
    await db.flush()
    await db.put(big(1), 'one again')
    await db.compactRange()
    const s = db.stats()
    assert.ok(s.flushes >= 2 && s.levels.some((l) => l.compactions > 0), 'the keys went through tables and a compaction')
    await db.close()
    db = await Shale.open(dir.path, options)
    assert.equal((await db.get(big(1)))?.toString(), 'one again')
    assert.equal((await db.get(big(2)))?.toString(), 'two')
    assert.equal(await db.get(big(3)), undefined)
    const keys = [...db.iterator()].map(([k]) => (k.length > 1 ? `big${k[k.length - 1]}:${k.length}` : k.toString()))
    assert.deepEqual(keys, ['a', `big1:${(1 << 20) + 1}`, `big2:${(1 << 20) + 1}`, 'z'])
    const it = db.iterator({ reverse: true })
    it.seek(big(2))
    assert.equal(it.nextSync()?.[1].toString(), 'two')
    it.close()
    await db.close()
  } finally {
    dir.remove()
  }
})

test('snapshots see the state at their creation; released snapshots are rejected', async () => {
  await withDb(async (db) => {
    await db.put('a', '1')
    const snap = db.snapshot()
    await db.put('a', '2')
    await db.put('b', '1')
    await db.flush()
    await db.delete('a')
    assert.equal((await db.get('a', { snapshot: snap }))?.toString(), '1')
    assert.equal(await db.get('b', { snapshot: snap }), undefined)
    const seen = []
    for await (const [k, v] of db.iterator({ snapshot: snap })) seen.push(`${k}=${v}`)
    assert.deepEqual(seen, ['a=1'])
    snap.release()
    assert.throws(() => db.getSync('a', { snapshot: snap }), code('CLOSED'))
  })
})

test('an open iterator keeps its view and its files across flushes', async () => {
  await withDb(
    async (db) => {
      for (let i = 0; i < 500; i++) await db.put(`k${String(i).padStart(4, '0')}`, `v${i}`)
      await db.flush()
      const it = db.iterator()
      const first = it.nextSync()
      for (let i = 0; i < 500; i++) await db.put(`k${String(i).padStart(4, '0')}`, `new${i}`)
      await db.flush()
      await db.flush()
      let n = first ? 1 : 0
      for (const [, v] of it) {
        assert.match(v.toString(), /^v\d+$/)
        n++
      }
      assert.equal(n, 500)
    },
    { memtableSize: 4096 },
  )
})

test('iterator bounds, reverse and limit', async () => {
  await withDb(async (db) => {
    for (const k of ['a', 'b', 'c', 'd', 'e']) await db.put(k, k.toUpperCase())
    const keys = async (o: object) => {
      const out: string[] = []
      for await (const [k] of db.iterator(o)) out.push(k.toString())
      return out.join('')
    }
    assert.equal(await keys({}), 'abcde')
    assert.equal(await keys({ gt: 'a', lte: 'd' }), 'bcd')
    assert.equal(await keys({ gte: 'b', lt: 'd', reverse: true }), 'cb')
    assert.equal(await keys({ reverse: true, limit: 2 }), 'ed')
    assert.equal(await keys({ limit: 0 }), '')
    assert.equal(await keys({ gt: 'e' }), '')
    const it = db.iterator()
    it.seek('c')
    assert.equal(it.nextSync()?.[0].toString(), 'c')
    it.close()
  })
})

test('iterator seek() outside the range ends it, forward and reverse, for every bound kind', async () => {
  await withDb(async (db) => {
    for (const k of ['a', 'b', 'c', 'd', 'e']) await db.put(k, k)
    const afterSeek = (o: object, target: string) => {
      const it = db.iterator(o)
      it.seek(target)
      const rest = it.nextvSync(10).map(([k]) => k.toString()).join('')
      it.close()
      return rest
    }
    assert.equal(afterSeek({ gt: 'b' }, 'a'), '')
    assert.equal(afterSeek({ gt: 'b' }, 'b'), '')
    assert.equal(afterSeek({ gt: 'b' }, 'c'), 'cde')
    assert.equal(afterSeek({ gte: 'b' }, 'a'), '')
    assert.equal(afterSeek({ gte: 'b' }, 'b'), 'bcde')
    assert.equal(afterSeek({ lt: 'd' }, 'd'), '')
    assert.equal(afterSeek({ lte: 'd' }, 'e'), '')
    assert.equal(afterSeek({ lte: 'd' }, 'c'), 'cd')
    assert.equal(afterSeek({ lt: 'd', reverse: true }, 'e'), '')
    assert.equal(afterSeek({ lt: 'd', reverse: true }, 'd'), '')
    assert.equal(afterSeek({ lt: 'd', reverse: true }, 'c'), 'cba')
    assert.equal(afterSeek({ lte: 'd', reverse: true }, 'e'), '')
    assert.equal(afterSeek({ lte: 'd', reverse: true }, 'd'), 'dcba')
    assert.equal(afterSeek({ gt: 'b', reverse: true }, 'b'), '')
    assert.equal(afterSeek({ gte: 'b', reverse: true }, 'a'), '')
    assert.equal(afterSeek({ gte: 'b', reverse: true }, 'c'), 'cb')
    // Ended by an out-of-range seek, the iterator comes back with one inside the range.
    const it = db.iterator({ gt: 'b' })
    it.seek('a')
    assert.equal(it.nextSync(), undefined)
    it.seek('d')
    assert.equal(it.nextSync()?.[0].toString(), 'd')
    it.close()
  })
})

test('concurrent sync writers share fsyncs (group commit)', async () => {
  await withDb(async (db) => {
    const before = db.stats().fsyncs
    await Promise.all(Array.from({ length: 200 }, (_, i) => db.put(`k${i}`, 'v', { sync: true })))
    const fsyncs = db.stats().fsyncs - before
    assert.ok(fsyncs >= 1, 'at least one fsync happened')
    assert.ok(fsyncs < 50, `200 concurrent sync writes took ${fsyncs} fsyncs`)
  })
})

test('stats report memtable, levels, WAL and counters', async () => {
  await withDb(async (db) => {
    await db.put('a', 'b')
    db.getSync('a')
    let s = db.stats()
    assert.equal(s.writes, 1)
    assert.equal(s.gets, 1)
    assert.ok(s.memtableBytes > 0)
    assert.ok(s.walBytes > 0)
    await db.flush()
    s = db.stats()
    assert.equal(s.levels[0]!.files, 1)
    assert.ok(s.levels[0]!.bytes > 0)
    assert.equal(s.memtableBytes, 0)
  })
})

test('compaction keeps the versions live snapshots see', async () => {
  await withDb(async (db) => {
    await db.put('a', '1')
    await db.put('gone', 'x')
    const snap = db.snapshot()
    await db.put('a', '2')
    await db.delete('gone')
    await db.compactRange()
    assert.equal((await db.get('a', { snapshot: snap }))?.toString(), '1')
    assert.equal((await db.get('gone', { snapshot: snap }))?.toString(), 'x')
    assert.equal((await db.get('a'))?.toString(), '2')
    assert.equal(await db.get('gone'), undefined)
    snap.release()
    await db.compactRange()
    assert.equal((await db.get('a'))?.toString(), '2')
    assert.ok(db.stats().droppedShadowed >= 1, 'the old version went once the snapshot was released')
  })
})

test('compactRange pushes everything into one sorted level and reclaims deleted space', async () => {
  await withDb(
    async (db) => {
      for (let i = 0; i < 3000; i++) await db.put(`k${String(i).padStart(5, '0')}`, 'v'.repeat(100))
      for (let i = 0; i < 3000; i++) await db.delete(`k${String(i).padStart(5, '0')}`)
      const before = db.stats().levels.reduce((s, l) => s + l.bytes, 0)
      await db.compactRange()
      const s = db.stats()
      assert.equal(s.levels[0]!.files, 0)
      const after = s.levels.reduce((sum, l) => sum + l.bytes, 0)
      assert.ok(after < before / 10, `compaction reclaimed space: ${before} -> ${after} bytes`)
      let n = 0
      for await (const _ of db.iterator()) n++
      assert.equal(n, 0)
    },
    { memtableSize: 16 * 1024, l1TargetSize: 64 * 1024, targetFileSize: 16 * 1024 },
  )
})

test('stats({ space: true }) counts kept versions before compression and bytes on disk after it', async () => {
  await withDb(
    async (db) => {
      const key = (i: number) => `k${String(i).padStart(5, '0')}`
      for (let i = 0; i < 2000; i++) await db.put(key(i), 'a'.repeat(100))
      for (let i = 0; i < 2000; i++) await db.put(key(i), 'b'.repeat(100))
      await db.flush()
      const twice = db.stats({ space: true }).space!
      assert.equal(twice.logicalBytes, 2000 * 106)
      // Both versions of every key are kept until compaction drops the older ones.
      assert.ok(Math.abs(twice.uncompressedAmplification - 2) < 0.01, `two versions kept: ${twice.uncompressedAmplification}`)
      assert.equal(twice.storedBytes, 2 * 2000 * 106)
      await db.compactRange()
      const once = db.stats({ space: true }).space!
      assert.equal(once.uncompressedAmplification, 1)
      // Repetitive values compress far below their logical size.
      assert.ok(once.amplification < 0.5, `compressed on disk: ${once.amplification}`)
      assert.equal(once.diskBytes, db.stats().levels.reduce((n, l) => n + l.bytes, 0) + db.stats().walBytes)
    },
    // One memtable holds both versions, so the flush writes them into one table together.
    { memtableSize: 4 << 20, targetFileSize: 16 * 1024 },
  )
})

test('a store closed with compaction debt compacts at open; waitForCompactions waits for it', async () => {
  const dir = tempDir()
  try {
    const lazy = await Shale.open(dir.path, { l0CompactionTrigger: 20, l0SlowdownTrigger: 30, l0StopTrigger: 40 })
    for (let t = 0; t < 6; t++) {
      for (let i = 0; i < 100; i++) await lazy.put(`k${String(i).padStart(4, '0')}`, `v${t}`)
      await lazy.flush()
    }
    assert.equal(lazy.stats().levels[0]!.files, 6)
    await lazy.close()

    // Reopened with the default trigger (4), level 0 is over it before any write arrives.
    const db = await Shale.open(dir.path)
    try {
      await db.waitForCompactions()
      const s = db.stats()
      assert.equal(s.levels[0]!.files, 0, 'level 0 compacted without a write to trigger it')
      assert.ok(s.levels.every((l) => l.score < 1))
      assert.equal((await db.get('k0042'))?.toString(), 'v5')
    } finally {
      await db.close()
    }
    await assert.rejects(db.waitForCompactions(), code('CLOSED'))
  } finally {
    dir.remove()
  }
})

/** The compression type byte of every data block of every table in dir. */
function dataBlockTypes(dir: string): number[] {
  const types: number[] = []
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.sst'))) {
    const bytes = readFileSync(join(dir, name))
    const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_SIZE), bytes.length, name)
    const raw = bytes.subarray(footer.index.offset, footer.index.offset + footer.index.size + BLOCK_TRAILER_SIZE)
    const index = new BlockCursor(new Block(checkBlock(raw, footer.index, name, true, footer.version), name, footer.index.offset), compareInternalKeys)
    for (index.seekToFirst(); index.valid(); index.next()) {
      const h = decodeBlockHandle(index.value())
      types.push(bytes[h.offset + h.size]!)
    }
  }
  return types
}

test('the compression option reaches flushes and worker compactions, and either kind of table reads back', async () => {
  const dir = tempDir()
  const key = (i: number): string => `k${String(i).padStart(5, '0')}`
  const value = (i: number): string => `${i}:`.padEnd(100, 'v')
  try {
    const sizes: Record<string, number> = {}
    for (const compression of ['none', 'lz4'] as const) {
      const db = await Shale.open(dir.path, { compression, memtableSize: 16 * 1024, l1TargetSize: 64 * 1024, targetFileSize: 32 * 1024 })
      for (let i = 0; i < 3000; i++) await db.put(key(i), value(i))
      // compactRange rewrites every table through the compaction worker.
      await db.compactRange()
      sizes[compression] = db.stats().levels.reduce((sum, l) => sum + l.bytes, 0)
      await db.close()
      const types = dataBlockTypes(dir.path)
      assert.ok(types.length > 10)
      assert.deepEqual([...new Set(types)], [compression === 'lz4' ? 1 : 0], compression)
    }
    assert.ok(sizes.lz4! < sizes.none! / 2, `${sizes.lz4} bytes with lz4, ${sizes.none} without`)
    // Reopened without compression, the lz4 tables still read.
    const db = await Shale.open(dir.path, { compression: 'none' })
    for (let i = 0; i < 3000; i += 7) assert.equal((await db.get(key(i)))?.toString(), value(i))
    await db.close()
    await assert.rejects(Shale.open(dir.path, { compression: 'zlib' as never }), code('INVALID_ARGUMENT'))
  } finally {
    dir.remove()
  }
})

test('a write that has to wait for a flush keeps the bytes it was given, not later changes to them', async () => {
  const { MemoryFileSystem } = await import('../helpers/memory-file-system.js')
  const fs = new MemoryFileSystem()
  let gated = false
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const syncDir = fs.syncDir.bind(fs)
  fs.syncDir = async (dir: string) => {
    if (gated) await gate // holds the flush before it can record its table
    return syncDir(dir)
  }
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 1024 })
  gated = true
  const buf = Buffer.from('original')
  const writes: Promise<void>[] = []
  for (let i = 0; i < 100; i++) writes.push(db.put(`k${String(i).padStart(3, '0')}`, buf))
  buf.write('MUTATED!')
  release()
  await Promise.all(writes)
  assert.ok(db.stats().writeStalls > 0, 'some writes waited for the flush')
  for (let i = 0; i < 100; i++) assert.equal((await db.get(`k${String(i).padStart(3, '0')}`))?.toString(), 'original')
  await db.close()
})

test('the empty key is rejected by default and works with allowEmptyKeys', async () => {
  await withDb(async (db) => {
    await assert.rejects(db.put('', 'v'), code('INVALID_ARGUMENT'))
  })
  await withDb(
    async (db) => {
      await db.put('', 'empty')
      await db.put('a', '1')
      await db.flush()
      assert.equal((await db.get(''))?.toString(), 'empty')
      const keys = []
      for await (const [k] of db.iterator()) keys.push(k.toString())
      assert.deepEqual(keys, ['', 'a'])
      await db.delete('')
      assert.equal(await db.get(''), undefined)
    },
    { allowEmptyKeys: true },
  )
})

test('CLOSED says what was closed: the database, an iterator or a snapshot', async () => {
  const dir = tempDir()
  try {
    const subject = (s: string) => (e: unknown) => code('CLOSED')(e) && (e as ShaleError).subject === s
    const db = await Shale.open(dir.path)
    await db.put('a', '1')
    const it = db.iterator()
    it.close()
    assert.throws(() => it.nextSync(), subject('iterator'))
    assert.throws(() => it.seek('a'), subject('iterator'))
    const snap = db.snapshot()
    snap.release()
    assert.throws(() => db.getSync('a', { snapshot: snap }), subject('snapshot'))
    assert.throws(() => db.iterator({ snapshot: snap }), subject('snapshot'))
    await db.close()
    await assert.rejects(db.put('k', 'v'), subject('database'))
    await assert.rejects(db.write([]), subject('database'))
    await assert.rejects(db.get('k'), subject('database'))
    await assert.rejects(db.flush(), subject('database'))
    await assert.rejects(db.waitForCompactions(), subject('database'))
    await assert.rejects(db.refresh(), subject('database'))
    assert.throws(() => db.iterator(), subject('database'))
    assert.throws(() => db.snapshot(), subject('database'))
    assert.throws(() => db.stats(), subject('database'))
    assert.equal(new ShaleError('IO', 'x').subject, undefined, 'only CLOSED has a subject')
  } finally {
    dir.remove()
  }
})
