// The estimate of LevelDB's write amplification that the benchmark reports beside Shale's.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { batchBytes, clearLogBytes, logRecordBytes, tableBytesWritten } from '../../bench/engines/leveldb-stats.js'

test('tableBytesWritten sums the Write(MB) column of every level row and nothing else', () => {
  // Copied from classic-level's getProperty('leveldb.stats') after 200k puts, plus a level-0 row.
  const stats = [
    '                               Compactions',
    'Level  Files Size(MB) Time(sec) Read(MB) Write(MB)',
    '--------------------------------------------------',
    '  0        2        7         0        0        12',
    '  2        7        3         0        5         3',
    '',
  ].join('\n')
  assert.equal(tableBytesWritten(stats), 15 * 1048576)
  assert.equal(tableBytesWritten(''), 0)
  assert.equal(tableBytesWritten('Level  Files Size(MB) Time(sec) Read(MB) Write(MB)\n'), 0, 'the header row is not a level')
})

test('the log estimate follows LevelDB\'s batch and record layout', () => {
  // 12-byte header, tag, 1-byte key length, 16-byte key, 1-byte value length, 100-byte value.
  assert.equal(batchBytes(16, 100), 12 + 1 + 1 + 16 + 1 + 100)
  assert.equal(batchBytes(16, 200), 12 + 1 + 1 + 16 + 2 + 200, 'a 200-byte length takes a 2-byte varint')
  assert.equal(logRecordBytes(131), 131 + 7, 'one fragment')
  assert.equal(logRecordBytes(100_000), 100_000 + 7 * 4, 'a record spread over four 32 KiB blocks')
})

test('the clear estimate writes classic-level\'s batches of 16 KiB of keys, a deletion record per key', () => {
  // 19-byte keys ('!a!' and 16 bytes): 863 per batch, each a tag, a 1-byte length and the key.
  assert.equal(clearLogBytes(863, 19), logRecordBytes(12 + 863 * 21))
  assert.equal(clearLogBytes(864, 19), logRecordBytes(12 + 863 * 21) + logRecordBytes(12 + 21), 'the 864th key starts a second batch')
  assert.equal(clearLogBytes(0, 19), 0)
})
