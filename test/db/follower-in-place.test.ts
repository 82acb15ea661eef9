// A writer with preallocateLogs appends in place inside zeros it reserved, so a reader whose
// read overlaps one of its writes can see a record still zero with the next one already there.
// A read-only handle must take that for a write in progress (read again later) and still
// refuse damage that stays: refresh() after SUSPECT_MS, open() after re-reading for a while.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, readdirSync, truncateSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Shale, ShaleError } from '../../src/index.js'
import { readLogRecords } from '../../src/wal/log-records.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'
import { tempDir } from '../helpers/temp-dir.js'

const text = (b: Buffer | undefined) => b?.toString()

/** A closed store whose one log holds `n` records (puts k0..k(n-1)); its path, the log and each record's [start, end). */
async function storeWithLog(dir: string, n: number): Promise<{ log: string; bytes: Buffer; records: [number, number][] }> {
  const db = await Shale.open(dir)
  for (let i = 0; i < n; i++) await db.put(`k${i}`, `v${i}-${'x'.repeat(50)}`, { sync: true })
  await db.close()
  const name = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().at(-1)!
  const log = join(dir, name)
  const file = new NodeFileSystem().openRead(log)
  const starts: number[] = []
  const end = readLogRecords(file, log, (_r, offset) => starts.push(offset)).end
  file.close()
  assert.equal(starts.length, n)
  const records = starts.map((s, i): [number, number] => [s, starts[i + 1] ?? end])
  return { log, bytes: readFileSync(log), records }
}

function writeAt(path: string, bytes: Uint8Array, at: number): void {
  const fd = openSync(path, 'r+')
  try {
    writeSync(fd, bytes, 0, bytes.length, at)
  } finally {
    closeSync(fd)
  }
}

const isCorruption = (e: unknown) => e instanceof ShaleError && e.code === 'CORRUPTION'

test('refresh: a record still zero with the next one written is a write in progress; once written it is read, and damage that stays is CORRUPTION', async () => {
  const dir = tempDir()
  try {
    const { log, bytes, records } = await storeWithLog(dir.path, 7)
    const [, end3] = records[2]!
    truncateSync(log, end3)
    const reader = await Shale.open(dir.path, { readOnly: true })
    assert.equal(text(await reader.get('k2'))?.startsWith('v2'), true)
    // Records 3 and 4 arrive, but record 3's bytes are still zeros.
    const [s3, e3] = records[3]!
    const [, e4] = records[4]!
    writeAt(log, new Uint8Array(e3 - s3), s3)
    writeAt(log, bytes.subarray(e3, e4), e3)
    await reader.refresh()
    assert.equal(await reader.get('k3'), undefined)
    assert.equal(await reader.get('k4'), undefined, 'nothing after the gap is applied')
    writeAt(log, bytes.subarray(s3, e3), s3)
    await reader.refresh()
    assert.equal(text(await reader.get('k3'))?.startsWith('v3'), true)
    assert.equal(text(await reader.get('k4'))?.startsWith('v4'), true)
    // Records 5 and 6, record 5 zero for good.
    const [s5, e5] = records[5]!
    writeAt(log, new Uint8Array(e5 - s5), s5)
    writeAt(log, bytes.subarray(e5), e5)
    await reader.refresh()
    assert.equal(await reader.get('k6'), undefined)
    await new Promise((r) => setTimeout(r, 1100))
    await assert.rejects(reader.refresh(), isCorruption)
    await reader.close()
  } finally {
    dir.remove()
  }
})

test('open: damage that stays is CORRUPTION; a write that completes while open re-reads is read', async () => {
  const dir = tempDir()
  try {
    const { log, bytes, records } = await storeWithLog(dir.path, 4)
    const [s1, e1] = records[1]!
    writeAt(log, new Uint8Array(e1 - s1), s1)
    await assert.rejects(Shale.open(dir.path, { readOnly: true }), isCorruption)
    // Another process finishes the write 50 ms into the open's re-reading.
    const child = spawn(process.execPath, [
      '-e',
      `const fs = require('node:fs'); process.stdout.write('ready'); setTimeout(() => { const fd = fs.openSync(${JSON.stringify(log)}, 'r+'); fs.writeSync(fd, Buffer.from(${JSON.stringify(Buffer.from(bytes.subarray(s1, e1)).toString('base64'))}, 'base64'), 0, ${e1 - s1}, ${s1}); fs.closeSync(fd) }, 50)`,
    ])
    // Listened for at once: the child may be gone before the open below returns.
    const exited = new Promise((r) => child.once('exit', r))
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    const reader = await Shale.open(dir.path, { readOnly: true })
    for (let i = 0; i < 4; i++) assert.equal(text(await reader.get(`k${i}`))?.startsWith(`v${i}`), true, `k${i}`)
    await reader.close()
    await exited
  } finally {
    dir.remove()
  }
})
