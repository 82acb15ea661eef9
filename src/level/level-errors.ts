// ShaleError codes as the LEVEL_* codes Level users branch on (abstract-level's README lists
// them). A CLOSED error becomes the code for what was closed: the database, an iterator or a
// snapshot, as abstract-level itself reports them.

import { ShaleError, type ErrorCode } from '../index.js'

type ClosedSubject = NonNullable<ShaleError['subject']>

/** Every engine code has a Level code: a code added to ErrorCode fails to compile until mapped here. */
const LEVEL_CODES: Record<ErrorCode, string> = {
  CORRUPTION: 'LEVEL_CORRUPTION',
  IO: 'LEVEL_IO_ERROR',
  NO_SPACE: 'LEVEL_IO_ERROR',
  LOCKED: 'LEVEL_LOCKED',
  READ_ONLY: 'LEVEL_READONLY',
  CLOSED: 'LEVEL_DATABASE_NOT_OPEN',
  NOT_FOUND: 'LEVEL_NOT_FOUND',
  INVALID_ARGUMENT: 'LEVEL_INVALID_VALUE',
  UNSUPPORTED: 'LEVEL_NOT_SUPPORTED',
  // The adapter does not offer the change feed; a Level code in case one crosses it.
  SEQUENCE_UNAVAILABLE: 'LEVEL_NOT_FOUND',
}

const NOT_OPEN_CODES: Record<ClosedSubject, string> = {
  database: 'LEVEL_DATABASE_NOT_OPEN',
  iterator: 'LEVEL_ITERATOR_NOT_OPEN',
  snapshot: 'LEVEL_SNAPSHOT_NOT_OPEN',
}

/** The LEVEL_* code for an engine error. */
export function levelCode(err: ShaleError): string {
  if (err.code === 'CLOSED' && err.subject !== undefined) return NOT_OPEN_CODES[err.subject]
  return LEVEL_CODES[err.code]
}

/** A Level-style error carrying the LEVEL_* code, with the ShaleError as its cause; anything else unchanged. */
export function levelError(err: unknown): unknown {
  if (!(err instanceof ShaleError)) return err
  return Object.assign(new Error(err.message, { cause: err }), { code: levelCode(err) })
}
