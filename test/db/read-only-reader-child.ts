// Reader of the cross-process read-only test: opens the store read-only beside the writer,
// then loops: note the writer's published progress P, refresh(), and check that the view
// holds a prefix Q >= P of the history (every key, by get and by iterator), and that a
// snapshot taken before the refresh still shows its own prefix. Prints a JSON report.

import { readFileSync } from 'node:fs'
import { Shale } from '../../src/index.js'
import { historyState } from '../helpers/follow-history.js'

const [dir, progressPath] = process.argv.slice(2)
const report = { refreshes: 0, checks: 0, last: 0, errors: [] as string[], problems: [] as string[] }
const progress = (): { n: number; done: boolean } => {
  const [first, second] = readFileSync(progressPath!, 'utf8').split(' ')
  return first === 'done' ? { n: Number(second), done: true } : { n: Number(first), done: false }
}

function check(db: Shale, q: number, snapshot: ReturnType<Shale['snapshot']> | undefined, what: string): void {
  const expected = historyState(q)
  for (const [k, v] of expected) {
    const got = db.getSync(k, { snapshot })?.toString()
    if (got !== v) report.problems.push(`${what}: at prefix ${q}, ${k} is ${got?.slice(0, 12)}, expected ${v?.slice(0, 12)}`)
  }
  const scanned = new Map<string, string>()
  for (const [k, v] of db.iterator({ gte: 'k', lt: 'l', snapshot })) scanned.set(k.toString(), v.toString())
  for (const [k, v] of expected) {
    if (scanned.get(k) !== v) report.problems.push(`${what}: at prefix ${q}, the iterator has ${k} = ${scanned.get(k)?.slice(0, 12)}, expected ${v?.slice(0, 12)}`)
  }
  if (scanned.size !== [...expected.values()].filter((v) => v !== undefined).length) report.problems.push(`${what}: at prefix ${q}, the iterator returned ${scanned.size} keys`)
  report.checks++
}

const db = await Shale.open(dir!, { readOnly: true })
process.send?.('open')
for (;;) {
  const before = progress()
  const snap = db.snapshot()
  const snapQ = Number(db.getSync('last', { snapshot: snap })?.toString() ?? 0)
  try {
    await db.refresh()
    report.refreshes++
    const q = Number(db.getSync('last')?.toString() ?? 0)
    if (q < before.n) report.problems.push(`after refresh the view is at ${q}, but the writer had acknowledged ${before.n} before it`)
    if (q < report.last) report.problems.push(`the view went back from ${report.last} to ${q}`)
    report.last = q
    check(db, q, undefined, 'view')
    check(db, snapQ, snap, 'snapshot')
  } catch (err) {
    report.errors.push(String(err))
    if (report.errors.length > 5) break
  } finally {
    snap.release()
  }
  if (before.done) break
  // Leave the writer some of the machine's two cores.
  await new Promise((resolve) => setTimeout(resolve, 5))
}
await db.close()
process.stdout.write(`${JSON.stringify(report)}\n`)
