// CURRENT: writeCurrent names a MANIFEST durably; readCurrent accepts exactly a MANIFEST name
// and a newline, and refuses anything else as CORRUPTION naming CURRENT.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ShaleError } from '../../src/errors.js'
import { readCurrent, writeCurrent } from '../../src/version/current-file.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const DIR = '/db'

test('writeCurrent names the MANIFEST, survives a crash once it returns, and leaves no temp file', async () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  await writeCurrent(fs, DIR, 7)
  assert.equal(readCurrent(fs, DIR), 'MANIFEST-000007')
  assert.equal(readCurrent(fs.crash(), DIR), 'MANIFEST-000007')
  assert.deepEqual(fs.list(DIR), ['CURRENT'])
  await writeCurrent(fs, DIR, 12)
  assert.equal(readCurrent(fs, DIR), 'MANIFEST-000012')
})

test('readCurrent: no CURRENT is NOT_FOUND; anything but a MANIFEST name and a newline is CORRUPTION', () => {
  const fs = new MemoryFileSystem()
  fs.mkdir(DIR)
  assert.throws(() => readCurrent(fs, DIR), (e: unknown) => e instanceof ShaleError && e.code === 'NOT_FOUND')
  fs.create(`${DIR}/CURRENT`).close()
  for (const text of ['MANIFEST-000007', 'MANIFEST-000007\n\n', ' MANIFEST-000007\n', '000007.log\n', '']) {
    fs.overwrite(`${DIR}/CURRENT`, new TextEncoder().encode(text))
    assert.throws(
      () => readCurrent(fs, DIR),
      (e: unknown) => e instanceof ShaleError && e.code === 'CORRUPTION' && e.message.includes('/db/CURRENT'),
      JSON.stringify(text),
    )
  }
})
