// Runs abstract-level's own shared test suite (the one memory-level and classic-level
// run) against ShaleLevel, twice: with default options, and with a tiny memtable and block
// size so that flushes, compactions and table reads are exercised too.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ShaleLevel } from '../../src/level/shale-level.js'

const require = createRequire(import.meta.url)
const tape = require('tape') as { createHarness: () => Harness }
const suite = require('abstract-level/test') as (options: { test: unknown; factory: (options?: object) => ShaleLevel }) => void

interface Harness {
  (...args: unknown[]): unknown
  createStream(options: { objectMode: true }): NodeJS.ReadableStream
}

interface Row {
  type: string
  ok?: boolean
  name?: string
  id?: number
  test?: number
  operator?: string
  actual?: unknown
  expected?: unknown
}

async function runSuite(engineOptions: object): Promise<{ tests: number; passed: number; failed: string[] }> {
  const root = mkdtempSync(join(tmpdir(), 'shale-level-'))
  let n = 0
  const harness = tape.createHarness()
  const names = new Map<number, string>()
  const failed: string[] = []
  let passed = 0
  let tests = 0
  const done = new Promise<void>((resolve) => {
    const stream = harness.createStream({ objectMode: true })
    stream.on('data', (row: Row) => {
      if (row.type === 'test' && row.id !== undefined) {
        names.set(row.id, row.name ?? '')
        tests++
      }
      if (row.type === 'assert') {
        if (row.ok) passed++
        else failed.push(`${names.get(row.test ?? -1)}: ${row.name} (${row.operator}: expected ${String(row.expected)}, got ${String(row.actual)})`)
      }
    })
    stream.on('end', () => resolve())
  })
  suite({ test: harness, factory: (options?: object) => new ShaleLevel(join(root, String(n++)), { ...engineOptions, ...options }) })
  await done
  // The suite leaves about half of its databases open; they hold no timers, so only the
  // directory needs removing.
  rmSync(root, { recursive: true, force: true })
  return { tests, passed, failed }
}

for (const [name, options] of [
  ['default options', {}],
  ['tiny memtable and blocks', { memtableSize: 1024, blockSize: 64, l1TargetSize: 4096, targetFileSize: 2048 }],
] as const) {
  test(`abstract-level suite passes in full (${name})`, async () => {
    const { tests, passed, failed } = await runSuite(options)
    console.log(`abstract-level suite, ${name}: ${tests} tests, ${passed} assertions passed, ${failed.length} failed`)
    assert.deepEqual(failed, [])
    assert.ok(passed > 1000, `only ${passed} assertions ran`)
  })
}
