// The one error type Shale throws. Callers branch on `code`, which is stable across
// releases; the message is for humans and names what failed and where.

export type ErrorCode =
  | 'INVALID_ARGUMENT' // a caller passed something Shale cannot accept
  | 'NOT_FOUND' // a named thing (database, file) does not exist
  | 'CORRUPTION' // a checksum, length or structural check failed on stored bytes
  | 'LOCKED' // another handle, in this process or another, holds the database
  | 'CLOSED' // the database (or snapshot, iterator) was used after close/release
  | 'IO' // the operating system refused an operation (EIO, EACCES, ...)
  | 'NO_SPACE' // the disk is full (ENOSPC); writes fail until space returns
  | 'READ_ONLY' // a background failure stopped writes; reads still work
  | 'UNSUPPORTED' // the host lacks what this needs (the browser: OPFS, sync access handles in a worker)
  | 'SEQUENCE_UNAVAILABLE' // the change feed no longer holds (or never held) the sequences asked for

// A record, not a list, so that a code added above and forgotten here fails to compile.
const ERROR_CODES: Record<ErrorCode, true> = {
  INVALID_ARGUMENT: true,
  NOT_FOUND: true,
  CORRUPTION: true,
  LOCKED: true,
  CLOSED: true,
  IO: true,
  NO_SPACE: true,
  READ_ONLY: true,
  UNSUPPORTED: true,
  SEQUENCE_UNAVAILABLE: true,
}

/** Whether a value that crossed a boundary (a worker's message, say) is one of the codes above. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}

/** What a CLOSED error says was used after close: the database, an iterator or a snapshot. */
export type ClosedSubject = 'database' | 'iterator' | 'snapshot'

export class ShaleError extends Error {
  readonly code: ErrorCode
  /** Set on every CLOSED error (and only there): which kind of handle was closed. */
  readonly subject: ClosedSubject | undefined

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; subject?: ClosedSubject }) {
    super(message, options !== undefined && 'cause' in options ? { cause: options.cause } : undefined)
    this.name = 'ShaleError'
    this.code = code
    this.subject = options?.subject
  }
}

/**
 * The change feed (db.changes) cannot deliver from the sequence asked for. `reason`
 * 'retention': the logs holding it were deleted (or never kept: see changesRetention);
 * `available` is the range the feed holds now, from `first` (the lowest `since` it can serve)
 * to `last` (the newest committed sequence). 'ingest': a db.ingest() at `sequence` wrote
 * tables without the log, so the feed cannot carry it; resume from `sequence + 1` after
 * copying the ingested data by other means (a checkpoint, an export).
 */
export class SequenceUnavailableError extends ShaleError {
  readonly reason: 'retention' | 'ingest'
  readonly available: { first: number; last: number }
  /** With reason 'ingest': the ingest's sequence. */
  readonly sequence: number | undefined

  constructor(message: string, reason: 'retention' | 'ingest', available: { first: number; last: number }, sequence?: number) {
    super('SEQUENCE_UNAVAILABLE', message)
    this.reason = reason
    this.available = available
    this.sequence = sequence
  }
}

/** A handle was used after close (or release): `subject` says which kind. */
export function closedError(subject: ClosedSubject, message: string): ShaleError {
  return new ShaleError('CLOSED', message, { subject })
}

export function invalidArgument(message: string): ShaleError {
  return new ShaleError('INVALID_ARGUMENT', message)
}

/** Stored bytes failed a check. `where` names the file (and offset when known). */
export function corruption(where: string, why: string): ShaleError {
  return new ShaleError('CORRUPTION', `Corruption in ${where}: ${why}`)
}

/** The message of anything thrown: an Error's message, or the value itself as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * An error the operating system reported (EIO, ENOSPC, ...), as node:fs throws it, rather than
 * a bug: Shale reports the first as IO and lets the second surface as itself.
 */
export function isErrnoError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code
  return err instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)
}

/** Wraps an error thrown by node:fs into a ShaleError, keeping it as the cause. */
export function ioError(action: string, cause: unknown): ShaleError {
  if (cause instanceof ShaleError) return cause
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code
  const detail = errorMessage(cause)
  if (errno === 'ENOSPC') return new ShaleError('NO_SPACE', `Cannot ${action}: disk is full (${detail})`, { cause })
  if (errno === 'ENOENT') return new ShaleError('NOT_FOUND', `Cannot ${action}: ${detail}`, { cause })
  return new ShaleError('IO', `Cannot ${action}: ${detail}`, { cause })
}
