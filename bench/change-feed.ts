// The change-feed measurement (docs/design.md, "Change feed"): N puts (16-byte keys, 100-byte
// values, random order) in batches of 100, kept for the feed (changesRetention) and flushed
// and compacted until settled; then the whole backlog is read through db.changes({ since: 1 }),
// beside a full scan of the store (the same entries, read from tables) for scale; then the
// live tail: a writer puts one key per call while a feed follows, and each batch's delay from
// its put being called to its delivery is recorded, beside the same puts with no feed.
// Event-loop delay is sampled during each.
// Not a test: run `npm run build && node dist/bench/change-feed.js --num 1000000`.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Shale } from '../src/index.js'
import { dbKey, dbValue, shuffled } from '../src/cli/workload.js'
import { percentile, timed } from './measure.js'

const { values: args } = parseArgs({ options: { num: { type: 'string', default: '1000000' }, live: { type: 'string', default: '20000' }, json: { type: 'boolean', default: false } } })
const num = Number(args.num)
const live = Number(args.live)
const BATCH = 100
const MiB = 1048576
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits

const dir = mkdtempSync(join(tmpdir(), 'shale-change-feed-bench-'))
const db = await Shale.open(dir, { changesRetention: { bytes: 16 * 1024 * MiB } })
const order = shuffled(num, 1)
const fillStart = performance.now()
for (let i = 0; i < num; i += BATCH) {
  const batch = []
  for (let j = i; j < Math.min(num, i + BATCH); j++) batch.push({ type: 'put' as const, key: dbKey(order[j]!), value: dbValue(order[j]!) })
  await db.write(batch)
}
await db.flush()
await db.waitForCompactions()
const fillSeconds = (performance.now() - fillStart) / 1000
const retained = db.stats().changes

/** Reads the feed from `since` until it has delivered the batch holding sequence `last`. */
async function readFeed(since: number, last: number, onBatch?: (sequence: number) => void): Promise<{ batches: number; operations: number; bytes: number }> {
  const stop = new AbortController()
  let batches = 0
  let operations = 0
  let bytes = 0
  for await (const batch of db.changes({ since, signal: stop.signal })) {
    batches++
    for (const op of batch.operations) {
      operations++
      if (op.type === 'put') bytes += op.key.length + op.value.length
    }
    onBatch?.(batch.sequence)
    if (batch.sequence + batch.operations.length - 1 >= last) stop.abort()
  }
  return { batches, operations, bytes }
}

const backlog = await timed(() => readFeed(1, num))
if (backlog.value.operations !== num) throw new Error(`the feed delivered ${backlog.value.operations} operations, not ${num}`)
const scan = await timed(async () => {
  let entries = 0
  const it = db.iterator()
  for (let page = await it.nextv(1000); page.length > 0; page = await it.nextv(1000)) entries += page.length
  await it.close()
  return entries
})

/** Times `live` single puts; returns each one's latency (call to resolve), sorted. */
async function timedPuts(onCall?: (i: number) => void): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < live; i++) {
    const start = performance.now()
    onCall?.(i)
    await db.put(dbKey(order[i]!), dbValue(i))
    latencies.push(performance.now() - start)
  }
  return latencies.sort((a, b) => a - b)
}

// The same puts with no feed, for the writer's own latency and event-loop delay.
const alone = await timed(() => timedPuts())

// The live tail: each put's sequence is its batch's; the delay runs from the put's call (a
// batch may be delivered before its put's caller resumes).
const calledAt = new Map<number, number>()
const delays: number[] = []
const first = db.stats().lastSequence + 1
const tail = timed(() =>
  readFeed(first, first + live - 1, (sequence) => {
    const at = calledAt.get(sequence)
    if (at !== undefined) delays.push(performance.now() - at)
  }),
)
const writeStart = performance.now()
const tailPuts = await timedPuts((i) => calledAt.set(first + i, performance.now()))
const writeSeconds = (performance.now() - writeStart) / 1000
const tailRun = await tail
await db.close()
rmSync(dir, { recursive: true, force: true })
delays.sort((a, b) => a - b)

const result = {
  num,
  batchSize: BATCH,
  fillSeconds: round(fillSeconds),
  retainedLogs: retained.retainedLogs,
  retainedMiB: round(retained.retainedBytes / MiB),
  backlog: {
    batches: backlog.value.batches,
    ms: round(backlog.ms),
    operationsPerSecond: Math.round(num / (backlog.ms / 1000)),
    payloadMiBPerSecond: round(backlog.value.bytes / MiB / (backlog.ms / 1000)),
    loopP99Ms: backlog.loopP99Ms,
    loopMaxMs: backlog.loopMaxMs,
  },
  scan: { ms: round(scan.ms), entriesPerSecond: Math.round(scan.value / (scan.ms / 1000)), loopP99Ms: scan.loopP99Ms, loopMaxMs: scan.loopMaxMs },
  liveTail: {
    puts: live,
    putsPerSecond: Math.round(live / writeSeconds),
    putP99Ms: round(percentile(tailPuts, 99), 2),
    delivered: delays.length,
    delayP50Ms: round(percentile(delays, 50), 2),
    delayP99Ms: round(percentile(delays, 99), 2),
    delayMaxMs: round(delays[delays.length - 1] ?? NaN, 2),
    loopP99Ms: tailRun.loopP99Ms,
    loopMaxMs: tailRun.loopMaxMs,
  },
  writerAlone: { putsPerSecond: Math.round(live / (alone.ms / 1000)), putP99Ms: round(percentile(alone.value, 99), 2), loopP99Ms: alone.loopP99Ms, loopMaxMs: alone.loopMaxMs },
  peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
}
if (delays.length !== live) throw new Error(`the feed delivered ${delays.length} of the ${live} live puts`)
process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${JSON.stringify(result)}\n`)
