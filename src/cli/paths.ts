// Checks a command makes on the path it was given before using it, so a wrong path gets one
// plain message (missing, or a file where a directory belongs) rather than whatever the first
// system call happens to say.

import { statSync } from 'node:fs'
import { ShaleError } from '../index.js'

function kind(path: string): 'file' | 'directory' | undefined {
  const s = statSync(path, { throwIfNoEntry: false })
  return s === undefined ? undefined : s.isDirectory() ? 'directory' : 'file'
}

export function requireFile(path: string, action: string): void {
  const k = kind(path)
  if (k === undefined) throw new ShaleError('NOT_FOUND', `Cannot ${action} ${path}: no such file`)
  if (k === 'directory') throw new ShaleError('INVALID_ARGUMENT', `Cannot ${action} ${path}: it is a directory, not a file`)
}

export function requireDatabaseDirectory(path: string, action: string): void {
  const k = kind(path)
  if (k === undefined) throw new ShaleError('NOT_FOUND', `Cannot ${action} ${path}: no such directory`)
  if (k === 'file') throw new ShaleError('INVALID_ARGUMENT', `Cannot ${action} ${path}: it is a file, not a database directory`)
}
