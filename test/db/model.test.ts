// Model-based randomized test: random operation sequences (test/helpers/model-sequence.ts)
// run against Shale and against a plain sorted-map model, with tiny memtables and blocks so
// that many tables and blocks are involved, and every read is checked against the model.
//
// Reproduce a failure with SHALE_SEED=<seed> (printed in the failure message); run more
// sequences with SHALE_MODEL_SEQUENCES=<n>.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { runSequence, type Coverage } from '../helpers/model-sequence.js'
import { tempDir } from '../helpers/temp-dir.js'

/** Sums what a run of sequences exercised. */
class CoverageTotals {
  rangeDeletions = 0
  compactions = 0
  multiLevelTrees = 0
  checkedReads = 0
  add(c: Coverage): void {
    this.rangeDeletions += c.rangeDeletions
    this.compactions += c.compactions
    if (c.multiLevel) this.multiLevelTrees++
    this.checkedReads += c.checkedReads
  }
}

const onlySeed = process.env.SHALE_SEED === undefined ? undefined : Number(process.env.SHALE_SEED)
const sequences = Number(process.env.SHALE_MODEL_SEQUENCES ?? 1000)
const baseSeed = Number(process.env.SHALE_MODEL_BASE_SEED ?? 1)

test(`model: ${onlySeed ?? sequences} random sequences on an in-memory file system agree with a sorted map`, async () => {
  const seeds = onlySeed !== undefined ? [onlySeed] : Array.from({ length: sequences }, (_, i) => baseSeed + i)
  const seen = new CoverageTotals()
  for (const seed of seeds) {
    seen.add(await runSequence(seed, 150, () => ({ options: { fileSystem: new MemoryFileSystem() }, location: '/db' })))
  }
  if (onlySeed === undefined) {
    assert.ok(seen.compactions > seeds.length, `only ${seen.compactions} compactions over ${seeds.length} sequences`)
    assert.ok(seen.multiLevelTrees > seeds.length / 10, `only ${seen.multiLevelTrees} sequences ended with more than one level`)
    assert.ok(seen.rangeDeletions > seeds.length * 2, `only ${seen.rangeDeletions} range deletions over ${seeds.length} sequences`)
  }
})

test('model: random sequences on the real file system agree with a sorted map', async () => {
  const seeds = onlySeed !== undefined ? [onlySeed] : Array.from({ length: 10 }, (_, i) => 100_000 + baseSeed + i)
  const seen = new CoverageTotals()
  for (const seed of seeds) {
    const dir = tempDir()
    try {
      seen.add(await runSequence(seed, 300, () => ({ options: {}, location: dir.path })))
    } finally {
      dir.remove()
    }
  }
  console.log(`model on the real file system: ${seeds.length} sequences, ${seen.checkedReads} reads checked, ${seen.compactions} compactions, ${seen.multiLevelTrees} multi-level trees`)
  // Reads were checked, and they were checked against tables that compactions (in the
  // worker, with the real file system) had rewritten, not only memtables.
  assert.ok(seen.checkedReads > seeds.length * 50, `only ${seen.checkedReads} reads checked over ${seeds.length} sequences`)
  if (onlySeed === undefined) {
    assert.ok(seen.compactions >= seeds.length, `only ${seen.compactions} compactions over ${seeds.length} sequences`)
    assert.ok(seen.multiLevelTrees > 0, 'no sequence ended with more than one level')
  }
})
