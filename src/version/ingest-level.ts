// Where an ingested run of tables goes (db/ingest.ts): a pure function of the version, so
// the rule can be tested without a disk. The run's entries all carry one sequence number,
// newer than anything in the tree, so it must sit above (at a shallower level than) every
// table it overlaps, and share its level with none: the deepest level such that no table
// in that level or any level above it overlaps the run's key range. Overlapping level 0,
// or level 1 with nothing free above it, puts the run in level 0, where the caller makes
// it the newest tables (highest file numbers) since level 0 is searched newest first.

import { NUM_LEVELS } from '../base/levels.js'
import { fileOverlaps } from './file-metadata.js'
import type { Version } from './version.js'

/** The level for a run of tables covering the user keys [smallest, largest]. */
export function ingestLevel(version: Version, smallest: Uint8Array, largest: Uint8Array): number {
  for (let level = 0; level < NUM_LEVELS; level++) {
    if (version.levels[level]!.some((f) => fileOverlaps(f, smallest, largest))) return Math.max(0, level - 1)
  }
  return NUM_LEVELS - 1
}
