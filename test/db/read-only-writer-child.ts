// Writer of the cross-process read-only test: once the test says 'go', applies the history of
// follow-history.ts with synced batches under tiny memtables and levels (so flushes and
// compactions never stop), and after each acknowledgement publishes how far it got in a
// progress file (atomically, by rename). At the end it closes the store and publishes "done N".

import { renameSync, writeFileSync } from 'node:fs'
import { Shale } from '../../src/index.js'
import { historyDeletes, historyKeyOf, historyValueOf } from '../helpers/follow-history.js'

const [dir, progressPath, durationArg] = process.argv.slice(2)
const publish = (text: string): void => {
  writeFileSync(`${progressPath}.tmp`, text)
  renameSync(`${progressPath}.tmp`, progressPath!)
}
const db = await Shale.open(dir!, { memtableSize: 16 * 1024, blockSize: 512, l1TargetSize: 64 * 1024, targetFileSize: 16 * 1024, levelMultiplier: 4 })
publish('0')
process.send?.('ready')
// The clock starts once the readers are open (the test says 'go'): on a loaded machine their
// start-up alone can outlast the run, and they would then see only the finished store.
await new Promise((resolve) => process.once('message', resolve))
const until = Date.now() + Number(durationArg)
// Several batches in flight share each fsync (group commit); progress is published only up
// to the last write whose predecessors are all acknowledged too.
const IN_FLIGHT = 8
const acked = new Set<number>()
let issued = 0
let published = 0
async function writeOne(i: number): Promise<void> {
  const key = historyKeyOf(i)
  const op = historyDeletes(i) ? { type: 'del' as const, key } : { type: 'put' as const, key, value: historyValueOf(i) }
  await db.write([op, { type: 'put', key: 'last', value: String(i) }], { sync: true })
  acked.add(i)
  let p = published
  while (acked.delete(p + 1)) p++
  if (p > published) publish(String((published = p)))
}
// The readers must see flushes and compactions, however slow a loaded machine makes this one:
// past the time, go on until there were some, within four times the time.
const busyEnough = (): boolean => {
  const s = db.stats()
  return s.flushes >= 8 && s.levels.reduce((n, l) => n + l.compactions, 0) >= 2
}
const deadline = until + 3 * Number(durationArg)
async function lane(): Promise<void> {
  while (Date.now() < until || (!busyEnough() && Date.now() < deadline)) await writeOne(++issued)
}
await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
const i = issued
const stats = db.stats()
await db.close()
publish(`done ${i} ${stats.flushes} ${stats.levels.reduce((n, l) => n + l.compactions, 0)}`)
