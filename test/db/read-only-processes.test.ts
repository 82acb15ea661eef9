// One writer process and three read-only processes on one store. The writer makes synced
// batches under tiny memtables, so flushes and compactions (which delete the files readers
// have open) run throughout. Each reader refreshes in a loop and checks that its view is a
// prefix of the history holding every write acknowledged before the refresh began, by get
// and by iterator, and that a snapshot taken before a refresh keeps its own prefix. The test
// process itself runs `check` beside the writer meanwhile.
//
// SHALE_FOLLOW_MS=<ms> makes the writer run longer (default 4000).

import assert from 'node:assert/strict'
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { checkDatabase } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const WRITER = fileURLToPath(new URL('./read-only-writer-child.js', import.meta.url))
const READER = fileURLToPath(new URL('./read-only-reader-child.js', import.meta.url))
const DURATION = Number(process.env.SHALE_FOLLOW_MS ?? 4000)

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', resolve))
}

test('three read-only processes follow a live writer through flushes and compactions', { timeout: 120_000 }, async () => {
  const tmp = tempDir()
  const dir = join(tmp.path, 'db')
  const progress = join(tmp.path, 'progress')
  const children: ChildProcess[] = []
  try {
    const writer = fork(WRITER, [dir, progress, String(DURATION)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    children.push(writer)
    const writerExit = exited(writer)
    await new Promise<void>((resolve, reject) => {
      writer.once('message', () => resolve())
      writer.once('exit', (code) => reject(new Error(`writer exited with code ${code}`)))
    })
    const readers = Array.from({ length: 3 }, () => fork(READER, [dir, progress], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] }))
    children.push(...readers)
    const reports = readers.map(
      (r) =>
        new Promise<{ refreshes: number; checks: number; last: number; errors: string[]; problems: string[] }>((resolve, reject) => {
          let out = ''
          r.stdout!.on('data', (d: Buffer) => (out += d.toString()))
          r.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`reader exited with code ${code}: ${out}`))))
        }),
    )
    // A failed assertion below must not leave a rejection unhandled: the test reports it.
    for (const r of reports) r.catch(() => {})
    // The writer's timed run begins once every reader is open and following.
    await Promise.race([Promise.all(readers.map((r) => new Promise((resolve) => r.once('message', resolve)))), Promise.all(reports)])
    writer.send('go')
    // Meanwhile `check` runs beside the writer too: without its lock, yet on one consistent state.
    let checks = 0
    for (let stop = Date.now() + DURATION / 2; Date.now() < stop; checks++) {
      const report = checkDatabase(dir)
      const damaged = report.files.filter((f) => f.status !== 'ok' && f.status !== 'orphan')
      assert.ok(report.live && damaged.length === 0, `check beside a live writer: ${JSON.stringify({ live: report.live, damaged })}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal(await writerExit, 0)
    const [, total, flushes, compactions] = readFileSync(progress, 'utf8').split(' ').map(Number)
    const results = await Promise.all(reports)
    console.log(`read-only processes: ${checks} live checks passed; writer made ${total} synced batches, ${flushes} flushes, ${compactions} compactions; readers refreshed ${results.map((r) => r.refreshes).join(', ')} times`)
    assert.ok(flushes! > 5 && compactions! > 0, 'the writer flushed and compacted while readers followed')
    for (const r of results) {
      assert.deepEqual(r.errors, [])
      assert.deepEqual(r.problems.slice(0, 5), [])
      assert.ok(r.refreshes > 3)
      assert.equal(r.last, total, 'the final refresh, after the writer closed, sees every write')
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? exited(c) : undefined)))
    tmp.remove()
  }
})
