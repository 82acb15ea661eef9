// Every `shale` command, run as a user would: a child process, its stdout and exit code.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { closeSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { tempDir } from '../helpers/temp-dir.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

function shale(...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' })
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 }
}

test('cli: put, get, del, scan with utf8 and hex, and errors as one line with exit 1', () => {
  const dir = tempDir()
  const db = join(dir.path, 'db')
  try {
    assert.equal(shale('put', db, 'b', 'two').code, 0)
    assert.equal(shale('put', db, 'a', 'one').code, 0)
    assert.equal(shale('put', db, '00ff', '0102', '--format', 'hex').code, 0)
    assert.equal(shale('get', db, 'a').out, 'one\n')
    assert.deepEqual(JSON.parse(shale('get', db, 'zz', '--json').out), { key: 'zz', found: false, value: null })
    assert.equal(shale('get', db, '00ff', '-f', 'hex').out, '0102\n')
    assert.equal(shale('scan', db, '--gte', 'a', '--keys-only').out, 'a\nb\n')
    assert.equal(shale('scan', db, '--reverse', '--limit', '1').out, 'b\ttwo\n')
    assert.deepEqual(shale('scan', db, '--json', '--gt', 'a').out.trim().split('\n').map((l) => JSON.parse(l)), [{ key: 'b', value: 'two' }])
    assert.equal(shale('del', db, 'a').code, 0)
    const missing = shale('get', db, 'a')
    assert.equal(missing.code, 1)
    assert.equal(missing.err, 'shale: NOT_FOUND: Key not found: a\n')
    const nodb = shale('scan', join(dir.path, 'nope'))
    assert.equal(nodb.code, 1)
    assert.match(nodb.err, /^shale: NOT_FOUND: .*does not exist/)
    assert.equal(nodb.err.trim().split('\n').length, 1)
    assert.equal(shale('put', db, 'zz', 'x', '-f', 'hex').code, 1, 'bad hex is an error')
  } finally {
    dir.remove()
  }
})

test('cli: load and export newline-delimited JSON round-trip, binary keys as hex', () => {
  const dir = tempDir()
  const db = join(dir.path, 'db')
  const input = join(dir.path, 'in.ndjson')
  const rows = [{ key: { hex: '00ff' }, value: 'binary key' }, ...Array.from({ length: 2500 }, (_, i) => ({ key: `k${String(i).padStart(5, '0')}`, value: `v${i}` }))]
  writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
  try {
    assert.deepEqual(JSON.parse(shale('load', db, input, '--json').out), { entries: 2501 })
    const out = shale('export', db).out.trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(out.length, 2501)
    assert.deepEqual(out[0], { key: { hex: '00ff' }, value: 'binary key' })
    assert.deepEqual(out[1], { key: 'k00000', value: 'v0' })
    writeFileSync(input, '{"key": 1}\n')
    const bad = shale('load', db, input)
    assert.equal(bad.code, 1)
    assert.match(bad.err, /Line 1: key must be a string/)
  } finally {
    dir.remove()
  }
})

test('cli: stats, compact, check, and the three dumps', () => {
  const dir = tempDir()
  const db = join(dir.path, 'db')
  const input = join(dir.path, 'in.ndjson')
  writeFileSync(input, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ key: `k${i}`, value: 'x'.repeat(50) })).join('\n'))
  try {
    shale('load', db, input)
    shale('put', db, 'k1', 'in-the-log')
    const stats = shale('stats', db)
    assert.match(stats.out, /^Level\s+Files\s+Size\(MiB\)/)
    assert.match(stats.out, /write amplification/)
    assert.equal(JSON.parse(shale('stats', db, '--json').out).levels.length, 7)
    const compact = JSON.parse(shale('compact', db, '--json').out)
    assert.ok(compact.bytesAfter > 0)
    const check = shale('check', db, '--json')
    assert.equal(check.code, 0)
    const report = JSON.parse(check.out)
    assert.equal(report.ok, true)
    assert.ok(report.files.some((f: { kind: string; items: number }) => f.kind === 'table' && f.items > 0))
    const sst = readdirSync(db).find((n) => n.endsWith('.sst'))!
    const dump = JSON.parse(shale('dump-sst', join(db, sst), '--json', '--entries').out)
    assert.equal(dump.formatVersion, 2, "a table without range deletions is written as version 2")
    assert.equal(dump.entries.length, dump.properties.entries)
    assert.ok(dump.dataBlocks.length > 1)
    // Values of 50 x's compress: every block is LZ4, stored in fewer bytes than it holds.
    for (const b of dump.dataBlocks) {
      assert.equal(b.compression, 'lz4')
      assert.ok(b.size < b.uncompressedSize, `${b.size} stored, ${b.uncompressedSize} uncompressed`)
    }
    const text = shale('dump-sst', join(db, sst)).out
    assert.match(text, /index: \d+ data blocks \(\d+ lz4\), \d+ bytes stored, \d+ uncompressed/)
    assert.match(text, /block @0 \(\d+ bytes, lz4, \d+ uncompressed\) last key/)
    const manifest = shale('dump-manifest', db, '--json').out.trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(manifest[0].comparator, 'shale.BytewiseComparator')
    // Every open flushes the previous log, so the live log is empty; dump-wal still reads it.
    shale('put', db, 'fresh', 'value')
    const log = readdirSync(db).find((n) => n.endsWith('.log'))!
    assert.equal(shale('dump-wal', join(db, log)).code, 0)
    // Damage a table: check reports it and exits 1.
    const fd = openSync(join(db, sst), 'r+')
    writeSync(fd, Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, 10)
    closeSync(fd)
    const damaged = shale('check', db)
    assert.equal(damaged.code, 1)
    assert.match(damaged.out, /corrupt/)
    assert.match(damaged.out, /DAMAGED/)
    const repaired = JSON.parse(shale('repair', db, '--json').out)
    assert.equal(repaired.tablesDamaged, 1)
    assert.equal(shale('check', db).code, 0, 'healthy after repair')
    assert.equal(shale('get', db, 'fresh').out, 'value\n')
  } finally {
    dir.remove()
  }
})

test('cli: bench prints a throughput table; --help works on every command', () => {
  const bench = shale('bench', '--num', '2000', '--json')
  assert.equal(bench.code, 0, bench.err)
  const rows = JSON.parse(bench.out).rows as { workload: string; opsPerSec: number }[]
  assert.deepEqual(rows.map((r) => r.workload).slice(0, 4), ['fillrandom', 'readrandom', 'readmissing', 'readseq'])
  assert.ok(rows.every((r) => r.opsPerSec > 0))
  for (const cmd of ['get', 'put', 'del', 'scan', 'stats', 'compact', 'check', 'repair', 'dump-sst', 'dump-wal', 'dump-manifest', 'load', 'export', 'bench']) {
    const help = shale(cmd, '--help')
    assert.equal(help.code, 0)
    assert.match(help.out, new RegExp(`Usage: shale ${cmd}`))
  }
})

test('cli: dump-wal shows the records of a live log, and damage in it', async () => {
  const { Shale } = await import('../../src/index.js')
  const dir = tempDir()
  try {
    const db = await Shale.open(dir.path)
    await db.put('alpha', 'one', { sync: true })
    await db.write([{ type: 'put', key: 'beta', value: 'two' }, { type: 'del', key: 'alpha' }], { sync: true })
    const log = join(dir.path, readdirSync(dir.path).find((n) => n.endsWith('.log'))!)
    const records = shale('dump-wal', log, '--json').out.trim().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(records.map((r) => r.ops), [[{ kind: 'put', key: 'alpha', value: 'one' }], [{ kind: 'put', key: 'beta', value: 'two' }, { kind: 'del', key: 'alpha' }]])
    assert.deepEqual(records.map((r) => r.seq), [1, 2])
    const fd = openSync(log, 'r+')
    writeSync(fd, Buffer.from([0xff]), 0, 1, 9)
    closeSync(fd)
    assert.match(shale('dump-wal', log).out, /DAMAGE: /)
    await db.close()
  } finally {
    dir.remove()
  }
})

/** Asserts the one-line error format and returns the line. */
function oneLineError(r: { err: string; code: number }, code: string): string {
  assert.notEqual(r.code, 0, 'a failure exits non-zero')
  assert.match(r.err, new RegExp(`^shale: ${code}: `), r.err)
  assert.equal(r.err.split('\n').length, 2, `one line: ${JSON.stringify(r.err)}`)
  return r.err
}

/** Runs fn with a database holding one key and a 3-byte text file beside it. */
function withStore(fn: (paths: { dir: string; db: string; file: string }) => void): void {
  const dir = tempDir()
  const db = join(dir.path, 'db')
  const file = join(dir.path, 'note.txt')
  writeFileSync(file, 'hi\n')
  try {
    assert.equal(shale('put', db, 'a', 'one').code, 0)
    fn({ dir: dir.path, db, file })
  } finally {
    dir.remove()
  }
}

test('cli: a missing key, bad hex and a bad input line are errors with codes', () => {
  withStore(({ dir, db }) => {
    assert.equal(oneLineError(shale('get', db, 'zz'), 'NOT_FOUND'), 'shale: NOT_FOUND: Key not found: zz\n')
    assert.match(oneLineError(shale('put', db, 'zz', 'x', '-f', 'hex'), 'INVALID_ARGUMENT'), /Invalid hex "zz"/)
    writeFileSync(join(dir, 'bad.ndjson'), '{"key": "a", "value": "b"}\n{not json\n')
    assert.match(oneLineError(shale('load', db, join(dir, 'bad.ndjson')), 'INVALID_ARGUMENT'), /Line 2: not valid JSON/)
    writeFileSync(join(dir, 'bad.ndjson'), '{"key": {"hex": "zz"}, "value": "b"}\n')
    assert.match(oneLineError(shale('load', db, join(dir, 'bad.ndjson')), 'INVALID_ARGUMENT'), /Line 1: key \{"hex": "zz"\} is not pairs of hex digits/)
  })
})

test('cli: a missing load file is NOT_FOUND, said once', () => {
  withStore(({ dir, db }) => {
    const noFile = oneLineError(shale('load', db, join(dir, 'missing.ndjson')), 'NOT_FOUND')
    assert.doesNotMatch(noFile, /ENOENT/)
    assert.match(noFile, /missing\.ndjson: no such file/)
  })
})

test('cli: check on a file says it is a file, not a missing directory', () => {
  withStore(({ dir, file }) => {
    assert.match(oneLineError(shale('check', file), 'INVALID_ARGUMENT'), /note\.txt: it is a file, not a database directory/)
    assert.match(oneLineError(shale('check', join(dir, 'nope')), 'NOT_FOUND'), /no such directory/)
  })
})

test('cli: dump-sst on a file shorter than a table footer is CORRUPTION, not an internal range error', () => {
  withStore(({ file }) => {
    const tiny = oneLineError(shale('dump-sst', file), 'CORRUPTION')
    assert.doesNotMatch(tiny, /position|out of range/)
    assert.match(tiny, /3 bytes, shorter than the 52-byte footer/)
  })
})

test('cli: dump-wal refuses a table, and exits 1 when it shows damage', () => {
  withStore(({ dir, db }) => {
    assert.equal(shale('compact', db).code, 0)
    const sst = join(db, readdirSync(db).find((n) => n.endsWith('.sst'))!)
    const asLog = shale('dump-wal', sst)
    assert.match(oneLineError(asLog, 'INVALID_ARGUMENT'), /is a table, not a log \(use shale dump-sst\)/)
    assert.equal(asLog.out, '')
    const log = join(dir, 'damaged.log')
    writeFileSync(log, Buffer.alloc(100, 0x41))
    const damaged = shale('dump-wal', log)
    assert.match(damaged.out, /DAMAGE/)
    assert.match(oneLineError(damaged, 'CORRUPTION'), /damaged region/)
  })
})

test('cli: export to a path that cannot be opened is one error line, not a crash', () => {
  withStore(({ dir, db }) => {
    assert.match(oneLineError(shale('export', db, '-o', join(dir, 'no', 'such', 'dir.ndjson')), 'NOT_FOUND'), /no such file or directory/)
  })
})

test('cli: a usage error prints one line that points to the command help, not the help itself', () => {
  const cases: [string[], RegExp][] = [
    [['frob'], /unknown command 'frob'.*; run shale --help$/],
    [['get', 'db'], /missing required argument 'key'; run shale get --help$/],
    [['scan', 'db', '--bogus'], /unknown option '--bogus'; run shale scan --help$/],
    [['scan', 'db', '--format', 'base64'], /argument 'base64' is invalid\. Allowed choices are utf8, hex; run shale scan --help$/],
  ]
  for (const [args, message] of cases) {
    const r = shale(...args)
    assert.equal(r.code, 1, args.join(' '))
    assert.match(oneLineError(r, 'INVALID_ARGUMENT').trimEnd(), message)
    assert.equal(r.out, '')
  }
  assert.equal(shale('--version').out, '0.1.0\n')
})

test('cli: help for an unknown command is the same one line as the unknown command itself; help for a known one prints its help', () => {
  const r = shale('help', 'frob')
  assert.equal(r.code, 1)
  assert.match(oneLineError(r, 'INVALID_ARGUMENT').trimEnd(), /unknown command 'frob'; run shale --help$/)
  assert.equal(r.out, '')
  const get = shale('help', 'get')
  assert.equal(get.code, 0)
  assert.match(get.out, /^Usage: shale get \[options\] <db> <key>/)
  const all = shale('help')
  assert.equal(all.code, 0)
  assert.match(all.out, /^Usage: shale \[options\] \[command\]/)
  assert.match(all.out, /\n  help \[command\] +display help for command\n/)
})

test('cli: a load that fails at line 3,001 has loaded exactly lines 1-3,000, and says so', () => {
  const dir = tempDir()
  const input = join(dir.path, 'in.ndjson')
  const lines = (bad: number): string =>
    Array.from({ length: 5000 }, (_, i) => (i + 1 === bad ? '{"key": "broken",' : JSON.stringify({ key: `k${String(i + 1).padStart(5, '0')}`, value: `v${i + 1}` }))).join('\n')
  try {
    for (const bad of [3001, 2500]) {
      const db = join(dir.path, `db-${bad}`)
      writeFileSync(input, lines(bad))
      const r = shale('load', db, input)
      const error = oneLineError(r, 'INVALID_ARGUMENT')
      assert.ok(
        error.includes(`Line ${bad}: not valid JSON; lines 1-${bad - 1} are loaded (${bad - 1} entries) and nothing from line ${bad} on; resume with: tail -n +${bad} ${input} | shale load ${db} -`),
        error,
      )
      const keys = shale('scan', db, '--keys-only').out.trim().split('\n')
      assert.equal(keys.length, bad - 1)
      assert.equal(keys[keys.length - 1], `k${String(bad - 1).padStart(5, '0')}`)
    }
    assert.match(shale('load', '--help').out, /every line before the failing one is written and synced and nothing from it on/)
  } finally {
    dir.remove()
  }
})

test('cli: stats in a new process shows the compactions and write amplification of the store\'s life', () => {
  const dir = tempDir()
  const db = join(dir.path, 'db')
  const input = join(dir.path, 'in.ndjson')
  writeFileSync(input, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ key: `k${i}`, value: 'x'.repeat(50) })).join('\n'))
  try {
    assert.equal(shale('load', db, input).code, 0)
    assert.equal(shale('compact', db).code, 0)
    const text = shale('stats', db).out
    const compactions = text
      .split('\n')
      .filter((l) => /^L\d/.test(l))
      .reduce((n, l) => n + Number(l.trim().split(/\s+/)[4]), 0)
    assert.ok(compactions > 0, text)
    assert.match(text, new RegExp(`store's life: ${compactions} compactions`))
    const amplification = Number(/write amplification (\d+\.\d+) over the store's life/.exec(text)?.[1])
    assert.ok(amplification > 1, text)
    const json = JSON.parse(shale('stats', db, '--json').out)
    // Opening may pay compaction debt, so a later process can only have seen more.
    assert.ok(json.lifetime.compactions >= compactions)
    const perProcess = json.levels.reduce((n: number, l: { compactions: number }) => n + l.compactions, 0)
    assert.ok(perProcess < json.lifetime.compactions, `per process ${perProcess}, lifetime ${json.lifetime.compactions}`)
  } finally {
    dir.remove()
  }
})

test('read commands work on a store another process has open; write commands say the lock is held', async () => {
  const { Shale } = await import('../../src/index.js')
  const dir = tempDir()
  const app = await Shale.open(dir.path)
  try {
    await app.put('a', 'one', { sync: true })
    await app.put('b', 'two', { sync: true })
    await app.flush()
    await app.put('c', 'three', { sync: true })
    assert.equal(shale('get', dir.path, 'c').out, 'three\n')
    assert.equal(shale('scan', dir.path, '--keys-only').out, 'a\nb\nc\n')
    const stats = shale('stats', dir.path, '--json')
    assert.equal(stats.code, 0, stats.err)
    assert.equal(shale('export', dir.path).out.trim().split('\n').length, 3)
    const check = shale('check', dir.path)
    assert.equal(check.code, 0, check.out + check.err)
    assert.match(check.out, /OK: no damage found \(checked beside the process that has it open\)/)
    for (const args of [['put', dir.path, 'd', '4'], ['del', dir.path, 'a'], ['compact', dir.path]]) {
      const r = shale(...args)
      assert.equal(r.code, 1, args.join(' '))
      assert.match(r.err, new RegExp(`^shale: LOCKED: .*in use by process ${process.pid}.*needs the lock`), args.join(' '))
      assert.equal(r.err.trim().split('\n').length, 1)
    }
    assert.equal(app.getSync('a')?.toString(), 'one', 'nothing was written')
  } finally {
    await app.close()
    dir.remove()
  }
})

test('cli: load --sorted bulk-loads sorted input all at once, and loads nothing from input out of order', () => {
  const dir = tempDir()
  const db = join(dir.path, 'db')
  const input = join(dir.path, 'in.ndjson')
  const row = (i: number, v = `v${i}`): string => JSON.stringify({ key: `k${String(i).padStart(5, '0')}`, value: v })
  try {
    assert.equal(shale('put', db, 'k00010', 'old').code, 0)
    writeFileSync(input, Array.from({ length: 5000 }, (_, i) => row(i)).join('\n') + '\n')
    assert.deepEqual(JSON.parse(shale('load', db, input, '--sorted', '--json').out), { entries: 5000 })
    assert.equal(shale('get', db, 'k00010').out, 'v10\n', 'the load replaced the older value')
    assert.equal(shale('scan', db, '--keys-only').out.trim().split('\n').length, 5000)
    // Line 3,001 goes back: an error naming it, and none of the new values are visible.
    writeFileSync(input, Array.from({ length: 5000 }, (_, i) => row(i === 3000 ? 5 : i + 10000, 'new')).join('\n'))
    const r = shale('load', db, input, '--sorted')
    assert.match(oneLineError(r, 'INVALID_ARGUMENT'), /Line 3001: the key does not sort after the previous line's.*nothing was loaded/)
    assert.equal(shale('scan', db, '--keys-only').out.trim().split('\n').length, 5000)
    assert.equal(shale('get', db, 'k10000').code, 1)
    assert.match(shale('load', '--help').out, /With --sorted the keys must strictly ascend/)
  } finally {
    dir.remove()
  }
})

test('cli: changes prints the retained batches as JSON lines, refuses a since no longer kept, and --follow prints new writes', async () => {
  const { Shale } = await import('../../src/index.js')
  const { spawn } = await import('node:child_process')
  const dir = tempDir()
  const location = join(dir.path, 'db')
  try {
    let db = await Shale.open(location, { memtableSize: 4096, changesRetention: { bytes: 1 << 30 } })
    for (let i = 0; i < 40; i++) await db.write([{ type: 'put', key: `k${i}`, value: `v${i}`.padEnd(200, '.') }, { type: 'del', key: Buffer.from([0xff, i]) }])
    await db.close()
    const all = shale('changes', location)
    assert.equal(all.code, 0, all.err)
    const lines = all.out.trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(lines.length, 40)
    assert.deepEqual(lines[1], { sequence: 3, operations: [{ type: 'put', key: 'k1', value: 'v1'.padEnd(200, '.') }, { type: 'del', key: { hex: 'ff01' } }] })
    assert.deepEqual(shale('changes', location, '--since', '78').out.trim().split('\n').map((l) => JSON.parse(l).sequence), [77, 79])
    // Reopened without retention: the flushed logs go, and an old since is refused with the range.
    db = await Shale.open(location, { memtableSize: 4096 })
    await db.put('x', 'y')
    const refused = shale('changes', location, '--since', '1')
    assert.equal(refused.code, 1)
    assert.match(refused.err, /^shale: SEQUENCE_UNAVAILABLE: .*hold sequences \d+ to \d+/)
    // --follow beside the writer (a read-only handle in the child) prints what it writes next.
    const child = spawn(process.execPath, [MAIN, 'changes', location, '--follow'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)))
    await new Promise((resolve) => setTimeout(resolve, 500))
    await db.write([{ type: 'put', key: 'f1', value: 'one' }], { sync: true })
    await db.write([{ type: 'del', key: 'f1' }], { sync: true })
    for (let i = 0; i < 100 && out.split('\n').length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    child.kill('SIGTERM')
    // Under Node the command's SIGTERM handler ends the feed and it exits 0; under Deno 2.9
    // the child dies of the signal instead (seen in this suite; the cause is not pinned down).
    assert.equal(await exited, 'Deno' in globalThis ? 'SIGTERM' : 0)
    const followed = out.trim().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(followed.map((b) => b.operations[0]), [{ type: 'put', key: 'x', value: 'y' }, { type: 'put', key: 'f1', value: 'one' }, { type: 'del', key: 'f1' }])
    await db.close()
  } finally {
    dir.remove()
  }
})
