// Checks a replayed MANIFEST against the files in its directory. A MANIFEST that lost
// edits (truncated, or replaced by an older copy) still replays cleanly, so only the disk
// can show that it is stale; building on it would delete the tables of the lost edits as
// orphans. The writer keeps two rules that make the check sound (docs/format.md#manifest):
// a table or log is created only under a file number the durable MANIFEST has already
// reserved, and the log a MANIFEST names as live exists until a later edit names another.

import { logFileName, parseFileName } from '../base/file-names.js'
import { baseName } from '#runtime'

export interface ReplayedManifest {
  /** Tables the replayed version lists. */
  tables: ReadonlySet<number>
  logNumber: number
  nextFileNumber: number
  /** Written by a writer that keeps the rules above (older MANIFESTs are not checked). */
  reservesFileNumbers: boolean
}

/**
 * What in the directory (bare file names) proves that edits were lost; empty when nothing
 * does. A table the MANIFEST lists but the disk lacks is the caller's to report.
 */
export function lostEditEvidence(names: readonly string[], manifest: ReplayedManifest): string[] {
  if (!manifest.reservesFileNumbers) return []
  const evidence: string[] = []
  let liveLogPresent = false
  for (const name of names) {
    const f = parseFileName(name)
    if (f === undefined || (f.kind !== 'table' && f.kind !== 'log')) continue
    if (f.kind === 'log' && f.number === manifest.logNumber) liveLogPresent = true
    // The MANIFEST never handed this number out, so an edit that did is missing.
    if (f.number >= manifest.nextFileNumber) evidence.push(`${name} is numbered at or above the next file number ${manifest.nextFileNumber} it records`)
    // Log number 0: no open has completed, and only an open (or repair) writes tables.
    else if (f.kind === 'table' && manifest.logNumber === 0 && !manifest.tables.has(f.number)) evidence.push(`${name} exists though it names no log yet`)
  }
  // The live log is deleted only after an edit naming a newer one is durable.
  if (manifest.logNumber !== 0 && !liveLogPresent) evidence.push(`${baseName(logFileName('', manifest.logNumber))}, the log it names as live, is missing`)
  return evidence
}
