// The browser's side of the runtime seam, checked under Node against Node's own functions:
// the same CRC-32 as zlib, the same paths as node:path's posix ones (with '/' as the
// working directory), and the same exports with the same types as runtime/node.ts.

import assert from 'node:assert/strict'
import { posix } from 'node:path'
import { test } from 'node:test'
import { crc32 } from 'node:zlib'
import * as browser from '../../src/runtime/browser.js'
import type * as node from '../../src/runtime/node.js'
import { Random } from '../helpers/random.js'

// A compile-time check: the browser module has every export of the Node one, typed alike.
const conforms: typeof node = browser
void conforms

test('crc32 in JavaScript equals zlib, from scratch and continued', () => {
  const r = new Random(16)
  for (const n of [0, 1, 7, 8, 9, 63, 64, 4096, 4099, 100_003]) {
    const data = new Uint8Array(n).map(() => r.int(256))
    assert.equal(browser.crc32(data), crc32(data), `length ${n}`)
    // (zlib ignores the value it continues from when there are no bytes.)
    if (n > 3) assert.equal(browser.crc32(data.subarray(3), 0x1234abcd), crc32(data.subarray(3), 0x1234abcd), `continued, length ${n}`)
  }
})

test('paths behave as node:path posix with / as the working directory', () => {
  const cases = ['', '/', 'a', '/a', 'a/', '/a/b/', 'a//b', './a', '../a', '/../a', 'a/../..', '/a/./b/../c', '//x', 'db/000001.log']
  for (const p of cases) {
    assert.equal(browser.resolvePath(p), posix.resolve('/', p), `resolve ${p}`)
    assert.equal(browser.baseName(p), posix.basename(p), `basename ${p}`)
    assert.equal(browser.dirName(p), posix.dirname(p), `dirname ${p}`)
    for (const q of ['', 'b', '/b', '../b', 'b/']) assert.equal(browser.joinPath(p, q), posix.join(p, q), `join ${p} ${q}`)
  }
})

test('latin1 and utf8 helpers agree with Buffer', () => {
  const bytes = new Uint8Array(10_000).map((_, i) => i % 256)
  assert.equal(browser.latin1(bytes), Buffer.from(bytes).toString('latin1'))
  const s = 'héllo wörld ✓ 𝄞'
  assert.equal(browser.utf8Length(s), Buffer.byteLength(s))
  assert.equal(browser.utf8Decode(Buffer.from(s)), s)
})

test('later runs callbacks in order on a later task, and cancelLater stops one', async () => {
  const ran: number[] = []
  // The browser runtime's channel does not keep Node alive: this timer does, meanwhile.
  const alive = setTimeout(() => {}, 10_000)
  browser.later(() => ran.push(1))
  const second = browser.later(() => ran.push(2))
  browser.later(() => ran.push(3))
  browser.cancelLater(second)
  assert.deepEqual(ran, [])
  await browser.yieldToLoop()
  await browser.yieldToLoop()
  assert.deepEqual(ran, [1, 3])
  clearTimeout(alive)
})
