import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseWorkerResponse } from '../../src/compaction/worker-protocol.js'
import { ShaleError } from '../../src/errors.js'

const malformed = (e: unknown) => e instanceof ShaleError && e.code === 'IO' && /malformed message/.test(e.message)

test('a failure from the worker is accepted only with one of the stable error codes', () => {
  assert.deepEqual(parseWorkerResponse({ kind: 'failed', id: 3, code: 'NO_SPACE', message: 'disk is full' }), { kind: 'failed', id: 3, code: 'NO_SPACE', message: 'disk is full' })
  // A raw errno, or anything else, is not an ErrorCode.
  assert.throws(() => parseWorkerResponse({ kind: 'failed', id: 3, code: 'ENOSPC', message: 'disk is full' }), malformed)
  assert.throws(() => parseWorkerResponse({ kind: 'failed', id: 3, code: undefined, message: 'x' }), malformed)
  assert.throws(() => parseWorkerResponse({ kind: 'failed', id: 3, code: 'toString', message: 'x' }), malformed)
})

test('messages of the wrong shape are refused', () => {
  assert.deepEqual(parseWorkerResponse({ kind: 'ready' }), { kind: 'ready' })
  for (const m of [undefined, null, 'ready', {}, { kind: 'done', id: 1 }, { kind: 'done', id: '1', result: {} }, { kind: 'failed', id: 1, code: 'IO' }, { id: 1, ok: true, result: {} }]) {
    assert.throws(() => parseWorkerResponse(m), malformed, JSON.stringify(m))
  }
})
