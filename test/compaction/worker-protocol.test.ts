import assert from 'node:assert/strict'
import { test } from 'node:test'
import { failureResponse, parseWorkerResponse, workerBug } from '../../src/compaction/worker-protocol.js'
import { ShaleError } from '../../src/errors.js'

const malformed = (e: unknown) => e instanceof ShaleError && e.code === 'IO' && /malformed message/.test(e.message)

test('a failure from the worker is accepted only with one of the stable error codes', () => {
  assert.deepEqual(parseWorkerResponse({ kind: 'failed', id: 3, code: 'NO_SPACE', message: 'disk is full' }), { kind: 'failed', id: 3, code: 'NO_SPACE', message: 'disk is full' })
  // A raw errno, or anything else, is not an ErrorCode.
  assert.throws(() => parseWorkerResponse({ kind: 'failed', id: 3, code: 'ENOSPC', message: 'disk is full' }), malformed)
  assert.throws(() => parseWorkerResponse({ kind: 'failed', id: 3, code: undefined, message: 'x' }), malformed)
  assert.throws(() => parseWorkerResponse({ kind: 'failed', id: 3, code: 'toString', message: 'x' }), malformed)
})

test('a bug from the worker is accepted with its name, message and stack as strings', () => {
  const bug = { kind: 'bug', id: 4, name: 'TypeError', message: 'x is undefined', stack: 'TypeError: x is undefined\n    at f' }
  assert.deepEqual(parseWorkerResponse(bug), bug)
  for (const m of [{ ...bug, name: 1 }, { ...bug, message: undefined }, { ...bug, stack: null }, { ...bug, id: 'x' }]) {
    assert.throws(() => parseWorkerResponse(m), malformed, JSON.stringify(m))
  }
})

test('messages of the wrong shape are refused', () => {
  assert.deepEqual(parseWorkerResponse({ kind: 'ready' }), { kind: 'ready' })
  for (const m of [undefined, null, 'ready', {}, { kind: 'done', id: 1 }, { kind: 'done', id: '1', result: {} }, { kind: 'failed', id: 1, code: 'IO' }, { id: 1, ok: true, result: {} }]) {
    assert.throws(() => parseWorkerResponse(m), malformed, JSON.stringify(m))
  }
})

test('failureResponse: a ShaleError keeps its code, an errno error gets its ShaleError code, anything else is sent as a bug', () => {
  assert.deepEqual(failureResponse(1, new ShaleError('CORRUPTION', 'bad block')), { kind: 'failed', id: 1, code: 'CORRUPTION', message: 'bad block' })
  const full = Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' })
  assert.equal((failureResponse(2, full) as { code: string }).code, 'NO_SPACE')
  const bug = failureResponse(3, new RangeError('index 9 out of range'))
  assert.equal(bug.kind, 'bug')
  if (bug.kind !== 'bug') return
  assert.deepEqual([bug.name, bug.message], ['RangeError', 'index 9 out of range'])
  const rebuilt = workerBug(bug)
  assert.ok(rebuilt instanceof RangeError && rebuilt.stack === bug.stack)
  // A thrown non-Error, or an Error subclass of the program's, is still a bug with its name.
  assert.deepEqual(failureResponse(4, 'oops'), { kind: 'bug', id: 4, name: 'Error', message: 'oops', stack: 'Error: oops' })
  class InvariantError extends Error {
    override name = 'InvariantError'
  }
  const custom = workerBug(failureResponse(5, new InvariantError('broken')) as Parameters<typeof workerBug>[0])
  assert.ok(custom instanceof Error && !(custom instanceof ShaleError) && custom.name === 'InvariantError' && custom.message === 'broken')
})
