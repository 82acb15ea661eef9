// The amplification benchmark (README.md, "Amplification and the event loop"): a random
// fill of N keys (16-byte keys, 100-byte values) and then a random overwrite of the same
// keys, while sampling event-loop delay; then random reads of the resulting tree. Reports
// write, space and read amplification, files per level and loop delay. Not a test: run
// `npm run bench:amplification -- --num 2000000`.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Shale } from '../src/index.js'
import { dbValue, dbKey, shuffled } from '../src/cli/workload.js'

const { values: args } = parseArgs({
  options: { num: { type: 'string', default: '2000000' }, reads: { type: 'string', default: '200000' }, dir: { type: 'string' }, json: { type: 'boolean', default: false } },
})
const num = Number(args.num)
const reads = Number(args.reads)
const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'shale-amp-'))

const db = await Shale.open(dir)
const ms = (ns: number): number => Math.round(ns / 1e4) / 100

async function phase(name: string, order: Uint32Array, salt: number) {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const start = performance.now()
  for (let i = 0; i < order.length; i++) {
    await db.put(dbKey(order[i]!), dbValue(order[i]! + salt))
    if (i % 100_000 === 0 && process.stderr.isTTY) process.stderr.write(`\r  ${name}: ${i.toLocaleString()} / ${order.length.toLocaleString()}`)
  }
  const seconds = (performance.now() - start) / 1000
  delay.disable()
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
  return { name, opsPerSec: Math.round(order.length / seconds), seconds: Math.round(seconds * 10) / 10, loopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) } }
}

const fill = await phase('fillrandom', shuffled(num, 1), 0)
const overwrite = await phase('overwrite', shuffled(num, 2), 1)
// Let pending compactions finish so the reported tree is the settled one.
await db.flush()
const settle = performance.now()
await db.waitForCompactions()
const settleSeconds = (performance.now() - settle) / 1000

const before = db.stats()
const readOrder = shuffled(num, 3)
const readStart = performance.now()
for (let i = 0; i < reads; i++) if ((await db.get(dbKey(readOrder[i % num]!))) === undefined) throw new Error('a written key is missing')
const readOpsPerSec = Math.round(reads / ((performance.now() - readStart) / 1000))
const s = db.stats()
const tablesPerRead = (s.readAmplification.mean * s.gets - before.readAmplification.mean * before.gets) / (s.gets - before.gets)

// Space amplification: live bytes on disk over the logical bytes of the newest versions.
const { logicalBytes: logical, diskBytes: onDisk, storedBytes: stored, amplification, uncompressedAmplification } = db.stats({ space: true }).space!
await db.close()

// The yardstick: the same fill loop into a plain Map, yielding to the event loop just as
// Shale does (every millisecond). Its loop delay is the floor that V8's garbage collector
// sets for any store that keeps data on the JavaScript heap on this machine.
const yardstick = await (async () => {
  const map = new Map<string, Buffer>()
  let last = performance.now()
  const order = shuffled(num, 1)
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  for (let i = 0; i < order.length; i++) {
    map.set(dbKey(order[i]!), Buffer.from(dbValue(order[i]!)))
    const now = performance.now()
    if (now - last > 1) {
      last = now
      await new Promise((r) => setImmediate(r))
    }
  }
  delay.disable()
  return { name: 'Map yardstick fill', loopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) } }
})()
if (args.dir === undefined) rmSync(dir, { recursive: true, force: true })

const result = {
  keys: num,
  fill,
  overwrite,
  settleSeconds: Math.round(settleSeconds * 10) / 10,
  readrandom: { opsPerSec: readOpsPerSec, tablesPerGet: Math.round(tablesPerRead * 100) / 100, p99TablesPerGet: s.readAmplification.p99 },
  writeAmplification: Math.round(s.writeAmplification * 100) / 100,
  // On disk (compressed) over logical, and every kept version before compression over logical.
  spaceAmplification: { onDisk: Math.round(amplification * 100) / 100, uncompressed: Math.round(uncompressedAmplification * 100) / 100 },
  yardstick,
  bytes: { user: s.userBytes, wal: s.walBytesWritten, flush: s.flushBytes, compaction: s.compactionBytesWritten, onDisk, stored, logical },
  levels: s.levels.filter((l) => l.files > 0 || l.compactions > 0).map((l) => ({ level: l.level, files: l.files, mib: Math.round(l.bytes / 1048576), compactions: l.compactions, readMiB: Math.round(l.compactionBytesRead / 1048576), writtenMiB: Math.round(l.compactionBytesWritten / 1048576) })),
  stalls: { memtable: s.writeStalls, slowdowns: s.writeSlowdowns, stops: s.writeStops },
  node: process.version,
}
console.log(args.json ? JSON.stringify(result) : JSON.stringify(result, null, 2))
