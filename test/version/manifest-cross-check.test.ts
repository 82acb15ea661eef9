import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lostEditEvidence } from '../../src/version/manifest-cross-check.js'

const replayed = { tables: new Set([5, 7]), logNumber: 8, nextFileNumber: 12, reservesFileNumbers: true }

test('a directory a crash could leave is no evidence of lost edits', () => {
  // 000009.sst: a flush's output, numbered under the reservation but never recorded.
  assert.deepEqual(lostEditEvidence(['000005.sst', '000007.sst', '000008.log', '000009.sst', '000010.log', 'MANIFEST-000013', 'CURRENT', 'LOCK', 'notes.txt'], replayed), [])
})

test('a table or log numbered at or above the next file number, or a missing live log, is', () => {
  assert.match(lostEditEvidence(['000005.sst', '000007.sst', '000008.log', '000012.sst'], replayed).join(), /000012\.sst is numbered at or above the next file number 12/)
  assert.match(lostEditEvidence(['000005.sst', '000007.sst', '000008.log', '000015.log'], replayed).join(), /000015\.log/)
  assert.match(lostEditEvidence(['000005.sst', '000007.sst', '000010.log'], replayed).join(), /000008\.log, the log it names as live, is missing/)
  assert.match(lostEditEvidence(['000003.sst'], { ...replayed, tables: new Set(), logNumber: 0 }).join(), /000003\.sst exists though it names no log yet/)
})

test('a MANIFEST written before file numbers were reserved is not checked', () => {
  assert.deepEqual(lostEditEvidence(['000012.sst'], { ...replayed, reservesFileNumbers: false }), [])
})
