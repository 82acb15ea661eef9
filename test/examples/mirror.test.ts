// examples/mirror.ts end to end: a source store keeps taking writes while a child process
// mirrors it through the change feed and is killed with SIGKILL at random moments, several
// times; each new child resumes from the sequence the mirror recorded with its data. At the
// end (the writes stopped, the mirror caught up) the two stores hold exactly the same entries.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { Shale, type BatchOperation } from '../../src/index.js'
import { APPLIED_KEY, appliedSequence, mirror } from '../../examples/mirror.js'
import { runUntilKilled } from '../helpers/kill-child.js'
import { Random } from '../helpers/random.js'
import { tempDir } from '../helpers/temp-dir.js'

const CHILD = fileURLToPath(new URL('./mirror-child.js', import.meta.url))

async function entries(db: Shale): Promise<[string, string][]> {
  const out: [string, string][] = []
  for await (const [k, v] of db.iterator()) if (k.toString() !== APPLIED_KEY) out.push([k.toString('hex'), v.toString('hex')])
  return out
}

test('mirror example: killed with SIGKILL at random points while the source writes, it resumes each time, and the stores end equal', async () => {
  const seed = Number(process.env.SHALE_SEED ?? 1)
  const r = new Random(seed)
  const dir = tempDir('shale-mirror-')
  const sourceDir = join(dir.path, 'source')
  const mirrorDir = join(dir.path, 'mirror')
  const source = await Shale.open(sourceDir, { memtableSize: 16 * 1024, compactionThread: 'main', changesRetention: { bytes: 1 << 30 } })
  let writing = true
  let batches = 0
  const writer = (async () => {
    while (writing) {
      const ops: BatchOperation[] = Array.from({ length: 1 + r.int(8) }, () =>
        r.int(5) === 0 ? { type: 'del', key: `key-${r.int(300)}` } : { type: 'put', key: `key-${r.int(300)}`, value: `value-${batches}-${r.int(1e6)}`.padEnd(20 + r.int(300), '~') },
      )
      await source.write(ops, { sync: r.int(4) === 0 })
      batches++
      if (batches % 200 === 0) await source.flush()
      if (batches % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    }
  })()
  try {
    const applied: number[] = []
    for (let cycle = 0; cycle < 5; cycle++) {
      let last = 0
      await runUntilKilled(CHILD, [sourceDir, mirrorDir], 150 + r.int(600), ([what, n]) => {
        if (what === 'applied') last = Number(n)
      })
      applied.push(last)
    }
    writing = false
    await writer
    assert.ok(applied.some((n) => n > 0), `the children applied batches (${applied.join(', ')})`)
    // Catch up in this process, from where the last child's mirror stopped.
    const target = await Shale.open(mirrorDir, { memtableSize: 16 * 1024, compactionThread: 'main' })
    const resumedFrom = await appliedSequence(target)
    assert.ok(resumedFrom > 0)
    const until = source.stats().lastSequence
    const stop = new AbortController()
    if (resumedFrom < until) await mirror(source, target, { signal: stop.signal, onApplied: (s) => s >= until && stop.abort() })
    assert.equal(await appliedSequence(target), until)
    const [a, b] = [await entries(source), await entries(target)]
    assert.ok(a.length > 50)
    assert.deepEqual(b, a)
    await target.close()
  } finally {
    writing = false
    await writer
    await source.close()
    dir.remove()
  }
})
