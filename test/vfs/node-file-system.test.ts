// The real file system's writable files: plain appends, and preallocated ones, which write
// in place inside zeros reserved ahead of them.

import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'
import { tempDir } from '../helpers/temp-dir.js'

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + 1) % 251 || 1
  return out
}

test('a preallocated file: appends land in order inside reserved zeros, and readers see the zeros after them', async () => {
  const dir = tempDir()
  try {
    const fs = new NodeFileSystem()
    const path = join(dir.path, '000001.log')
    const file = fs.create(path, { preallocate: true })
    const written: Uint8Array[] = []
    // Past several reservation steps (256 KiB each), in appends of uneven sizes.
    let total = 0
    for (let i = 0; total < 2.5 * 1024 * 1024; i++) {
      const chunk = pattern(1 + ((i * 7919) % 70_000), i)
      file.append(chunk)
      written.push(chunk)
      total += chunk.length
      assert.equal(file.size, total)
      if (i % 40 === 0) await file.sync()
    }
    await file.sync()
    const expected = Buffer.concat(written)
    const live = readFileSync(path)
    assert.ok(live.length > total, 'space is reserved past the appended bytes')
    assert.deepEqual(live.subarray(0, total), expected)
    assert.ok(live.subarray(total).every((b) => b === 0), 'the reserved space reads as zeros')
    const reader = fs.openRead(path)
    assert.equal(reader.size, live.length)
    reader.close()
    file.close()
    const closed = readFileSync(path)
    assert.equal(closed.length, live.length, 'closing leaves the reserved zeros (a reader elsewhere may hold the old size)')
    assert.deepEqual(closed.subarray(0, total), expected)
  } finally {
    dir.remove()
  }
})

test('without the hint a file grows by its appends alone', async () => {
  const dir = tempDir()
  try {
    const fs = new NodeFileSystem()
    const path = join(dir.path, 'MANIFEST-000002')
    const file = fs.create(path)
    file.append(pattern(1000, 1))
    file.append(pattern(10, 2))
    await file.sync()
    assert.equal(statSync(path).size, 1010)
    file.close()
    assert.deepEqual(readFileSync(path), Buffer.concat([pattern(1000, 1), pattern(10, 2)]))
  } finally {
    dir.remove()
  }
})
