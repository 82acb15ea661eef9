// How a command opens the store it works on, for every command module: withDb for a command
// that runs and closes it, openFor for one that manages the handle itself (put, load).

import { Shale, ShaleError } from '../index.js'

/**
 * Runs fn on the store at location. Reading commands open it read-only, so they work beside
 * an application that has it open; writing ones take the lock, and say so when it is held.
 */
export async function withDb<T>(location: string, fn: (db: Shale) => Promise<T>, access: Access = 'read'): Promise<T> {
  const db = await openFor(location, access)
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

/** 'create' writes and makes the store if it is missing (put, load). */
export type Access = 'read' | 'write' | 'create'

/** Opens the store at location for `access`; the caller closes it. */
export async function openFor(location: string, access: Access): Promise<Shale> {
  if (access === 'read') return Shale.open(location, { readOnly: true })
  try {
    return await Shale.open(location, { createIfMissing: access === 'create' })
  } catch (err) {
    if (!(err instanceof ShaleError && err.code === 'LOCKED')) throw err
    throw new ShaleError('LOCKED', `${err.message}; this command writes, so it needs the lock (get, scan, stats, check and export work while the store is open)`, { cause: err })
  }
}
