// How any failure becomes the CLI's one line, `shale: CODE: message`. Codes are ShaleError's
// (src/errors.ts), so scripts can branch on them; an operating-system error gets the code
// ShaleError would give it, and INTERNAL marks an error shale did not expect (a bug).

import type { Command, CommanderError } from 'commander'
import { ShaleError, type ErrorCode } from '../index.js'
import { errorMessage } from '../errors.js'

export type CliErrorCode = ErrorCode | 'INTERNAL'

/** A failure the CLI reports with a code of its own choosing (INTERNAL included). */
export class CliFailure extends Error {
  readonly code: CliErrorCode

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function describeFailure(err: unknown): { code: CliErrorCode; message: string } {
  if (err instanceof ShaleError || err instanceof CliFailure) return { code: err.code, message: err.message }
  const errno = (err as NodeJS.ErrnoException | undefined)?.code
  if (err instanceof Error && typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) {
    // Node's message starts with the errno name; the code already says what kind of failure it is.
    const message = err.message.startsWith(`${errno}: `) ? err.message.slice(errno.length + 2) : err.message
    return { code: errno === 'ENOENT' ? 'NOT_FOUND' : errno === 'ENOSPC' ? 'NO_SPACE' : 'IO', message }
  }
  return { code: 'INTERNAL', message: errorMessage(err) }
}

/**
 * Commander's exit, turned into an error: help and version pass through, and a usage mistake
 * (unknown command or option, missing argument) becomes one INVALID_ARGUMENT line that points
 * to the command's help instead of printing all of it.
 */
export function usageFailure(err: CommanderError, command: Command): CommanderError | CliFailure {
  if (err.exitCode === 0 || err.code === 'commander.help') return err
  const message = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').replace(/\.$/, '')
  const help = command.parent === null ? 'shale --help' : `shale ${command.name()} --help`
  return new CliFailure('INVALID_ARGUMENT', `${message}; run ${help}`, { cause: err })
}
