// The directory lock on node:fs, which has no flock(). The lock is a file whose content names
// its owner; two rules make it safe for any number of processes racing on one host:
//
// 1. A lock file is never written in place. Its content goes to a private temporary file that
//    is then hard-linked to the lock's name; link() fails when the name exists, so exactly one
//    racer wins, and nobody can ever read a half-written owner.
// 2. A lock file is only ever removed by its owner (release) or, when its owner is dead, by the
//    one process holding the takeover claim named after that owner's nonce. Claims are lock
//    files too (rule 1), so one racer gets each; the holder re-reads the lock, finds the same
//    nonce (nobody else may remove it, and a dead owner cannot), and removes it. A racer that
//    judged a lock stale after it was already replaced finds a different nonce and backs off,
//    so a fresh lock is never removed. A claim left by a claimant that died is itself taken
//    over the same way, one level down.
//
// What it cannot do is in docs/design.md#the-directory-lock: it trusts pids on one host.

import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { ShaleError, errorMessage, ioError } from '../errors.js'
import type { FileLock } from './file-system.js'

interface Owner {
  pid: number
  host: string
  /** Unique per lock file; for a file in an older or unreadable format, derived from its inode. */
  nonce: string
}

/** Lock paths and nonces held by this process: a second open in the same process must fail too. */
const heldPaths = new Set<string>()
const heldNonces = new Set<string>()
let tempCounter = 0

/** Takeovers of takeovers deeper than this mean something other than dead processes is at work. */
const MAX_CLAIM_DEPTH = 4
/** Rounds of "link, or clear a dead owner and try again" before giving up. */
const MAX_ATTEMPTS = 8

export function lockDirectory(path: string): FileLock {
  if (heldPaths.has(path)) {
    throw new ShaleError('LOCKED', `Cannot lock ${path}: the database is already open in this process`)
  }
  const me: Owner = { pid: process.pid, host: hostname(), nonce: randomUUID() }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (linkOwnerFile(path, me)) {
      heldPaths.add(path)
      heldNonces.add(me.nonce)
      removeDeadLeftovers(path)
      return { release: () => release(path, me) }
    }
    const owner = readOwner(path)
    if (owner === undefined) continue // released between our link and our read
    if (isAlive(owner)) throw lockedBy(path, owner)
    clearDeadOwner(path, owner, me, 0)
  }
  throw new ShaleError('LOCKED', `Cannot lock ${path}: other processes kept taking it over (${MAX_ATTEMPTS} attempts)`)
}

function release(path: string, me: Owner): void {
  heldPaths.delete(path)
  heldNonces.delete(me.nonce)
  // Our own file, by rule 2; checked anyway so a bug elsewhere cannot remove a stranger's lock.
  if (readOwner(path)?.nonce === me.nonce) fs.rmSync(path, { force: true })
}

/**
 * Removes the lock file at `path` if it still belongs to the dead `stale` owner. Throws LOCKED
 * when a live process is doing the same right now: that process will take the lock.
 */
function clearDeadOwner(path: string, stale: Owner, me: Owner, depth: number): void {
  const claim = `${path}.takeover-${stale.nonce}`
  if (linkOwnerFile(claim, me)) {
    try {
      if (readOwner(path)?.nonce === stale.nonce) fs.rmSync(path, { force: true })
    } finally {
      fs.rmSync(claim, { force: true })
    }
    return
  }
  const claimant = readOwner(claim)
  if (claimant === undefined) return // that takeover just finished; look again
  if (isAlive(claimant)) {
    throw new ShaleError('LOCKED', `Cannot lock ${path}: process ${claimant.pid} is taking over the lock of dead process ${stale.pid}`)
  }
  if (depth >= MAX_CLAIM_DEPTH) {
    throw new ShaleError('LOCKED', `Cannot lock ${path}: ${MAX_CLAIM_DEPTH} dead takeovers in a row; remove ${basename(path)}* files by hand once no process uses the database`)
  }
  clearDeadOwner(claim, claimant, me, depth + 1)
}

/** Rule 1: writes `owner` to a private file and links it to `path`. False when `path` exists. */
function linkOwnerFile(path: string, owner: Owner): boolean {
  // The pid in the name lets a later owner tell a dead process's leftover from a live one's.
  const temp = `${path}.${owner.pid}.${owner.nonce}.${tempCounter++}.tmp`
  try {
    fs.writeFileSync(temp, `${owner.pid} ${owner.host} ${owner.nonce}\n`, { flag: 'wx' })
    fs.linkSync(temp, path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw ioError(`create lock file ${path}`, err)
  } finally {
    fs.rmSync(temp, { force: true })
  }
}

/** The owner named by a lock file, or undefined when there is none. */
function readOwner(path: string): Owner | undefined {
  let fd: number
  try {
    fd = fs.openSync(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw ioError(`read lock file ${path}`, err)
  }
  try {
    const stat = fs.fstatSync(fd)
    const [pidText, host, nonce] = fs.readFileSync(fd, 'utf8').trim().split(' ')
    const pid = Number(pidText)
    // An empty or older-format file ("pid host", written in place by earlier versions) has no
    // nonce; its inode and modification time identify it instead.
    const id = nonce !== undefined && /^[0-9a-f-]{36}$/.test(nonce) ? nonce : `legacy-${stat.ino}-${stat.mtimeMs}`
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : 0, host: host ?? '', nonce: id }
  } finally {
    fs.closeSync(fd)
  }
}

/** Pid 0 stands for an unreadable owner: it died before finishing an older-format lock. */
function isAlive(owner: Owner): boolean {
  if (owner.pid === 0) return false
  // Another host's pids mean nothing here: its lock must be assumed live.
  if (owner.host !== hostname()) return true
  // Our own pid on a nonce we do not hold: a previous process had our pid (containers).
  if (owner.pid === process.pid) return heldNonces.has(owner.nonce)
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (err) {
    // Only ESRCH says the process is gone. EPERM is a live process of another user; any other
    // failure means the check itself could not be made (Deno without --allow-run refuses
    // process.kill with NotCapable), and then the owner must be assumed live, or a second
    // process would take over the lock of a running one.
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ESRCH') return false
    if (code !== 'EPERM') uncheckable.set(owner.pid, errorMessage(err))
    return true
  }
}

/** Pids whose liveness this process could not check, and why: named in the LOCKED error. */
const uncheckable = new Map<number, string>()

function lockedBy(path: string, owner: Owner): ShaleError {
  const where = owner.host === hostname() ? '' : ` on host ${owner.host} (if that host no longer uses it, remove ${path})`
  const why = uncheckable.get(owner.pid)
  const unsure = why === undefined ? '' : ` (or was: this process cannot check whether it still runs, ${why}; under Deno, allow process.kill with --allow-run)`
  return new ShaleError('LOCKED', `Cannot lock ${path}: the database is in use by process ${owner.pid}${unsure}${where}`)
}

/** Temporary files and claims of processes that died mid-protocol; only dead owners' are touched. */
function removeDeadLeftovers(path: string): void {
  const dir = dirname(path)
  const prefix = `${basename(path)}.`
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const leftover = join(dir, name)
    try {
      // A temporary file may still be being written, so its name, not its content, says whose it is.
      const temp = /\.(\d+)\.([0-9a-f-]{36})\.\d+\.tmp$/.exec(name)
      const owner = temp ? { pid: Number(temp[1]), host: hostname(), nonce: temp[2]! } : readOwner(leftover)
      if (owner !== undefined && !isAlive(owner)) fs.rmSync(leftover, { force: true })
    } catch {
      // Tidying is best effort: a leftover we cannot read is harmless.
    }
  }
}
