// Which unknown constructor options the Level adapter takes for typos of engine options.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OPTION_NAMES } from '../../src/index.js'
import { misspeltOption } from '../../src/level/misspelt-option.js'

test('names within two edits of an engine option are near misses; others are not', () => {
  assert.equal(misspeltOption('memtableSise', OPTION_NAMES), 'memtableSize')
  assert.equal(misspeltOption('memtablesize', OPTION_NAMES), 'memtableSize')
  assert.equal(misspeltOption('memtalbeSize', OPTION_NAMES), 'memtableSize')
  assert.equal(misspeltOption('blockSiz', OPTION_NAMES), 'blockSize')
  assert.equal(misspeltOption('bloomBitsPerKeys', OPTION_NAMES), 'bloomBitsPerKey')
  assert.equal(misspeltOption('memtableSize', OPTION_NAMES), undefined, 'an exact name is no miss')
  for (const name of ['userland', 'keyEncoding', 'valueEncoding', 'passive', 'prefix', 'cacheSize']) {
    assert.equal(misspeltOption(name, OPTION_NAMES), undefined, name)
  }
})
