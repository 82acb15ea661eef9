import assert from 'node:assert/strict'
import { test } from 'node:test'
import { crc32 } from 'node:zlib'
import { CRC32_START, crc32Register, crc32Step, crc32StepBack } from '../../src/util/crc32-steps.js'
import { Random } from '../helpers/random.js'

test('crc32Step matches zlib crc32, and crc32StepBack undoes it back to the start', () => {
  const r = new Random(7)
  for (const length of [0, 1, 9, 100, 4096]) {
    const bytes = new Uint8Array(length)
    for (let i = 0; i < length; i++) bytes[i] = r.int(256)
    let register = CRC32_START
    for (const b of bytes) register = crc32Step(register, b)
    assert.equal(register, crc32Register(crc32(bytes)), `length ${length}`)
    for (let i = length - 1; i >= 0; i--) register = crc32StepBack(register, bytes[i]!)
    assert.equal(register, CRC32_START, `length ${length}`)
  }
  assert.equal(crc32Register(crc32(new TextEncoder().encode('123456789'))), ~0xcbf43926 >>> 0)
})
