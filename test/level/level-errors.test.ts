import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ShaleError } from '../../src/index.js'
import { closedError } from '../../src/errors.js'
import { levelError } from '../../src/level/level-errors.js'

const levelCode = (err: unknown) => (levelError(err) as { code?: string }).code

test("CLOSED maps to abstract-level's code for what was closed", () => {
  assert.equal(levelCode(closedError('database', 'Database is closed')), 'LEVEL_DATABASE_NOT_OPEN')
  assert.equal(levelCode(closedError('iterator', 'Cannot read from an iterator after close()')), 'LEVEL_ITERATOR_NOT_OPEN')
  assert.equal(levelCode(closedError('snapshot', 'Cannot read through a snapshot after release()')), 'LEVEL_SNAPSHOT_NOT_OPEN')
})

test('a Level error keeps the message and the ShaleError as its cause; other errors pass unchanged', () => {
  const err = new ShaleError('CORRUPTION', 'Corruption in x: bad')
  const mapped = levelError(err) as Error & { code: string }
  assert.equal(mapped.code, 'LEVEL_CORRUPTION')
  assert.equal(mapped.message, err.message)
  assert.equal(mapped.cause, err)
  const bug = new TypeError('bug')
  assert.equal(levelError(bug), bug)
})
