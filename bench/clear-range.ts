// The clear() measurement (docs/benchmarks/notes.md, "clear() of a sublevel"): through the
// Level API (ShaleLevel; classic-level's ClassicLevel), sublevel 'a' is filled with N keys
// (16-byte keys, 100-byte values, random order, batches of 1,000) beside a neighbour 'b'
// of 10,000 keys, the store is reopened and left to settle, then `a.clear()` is timed, with
// the reads that follow it: gets of cleared keys and full iterations, which still walk the
// cleared entries until compaction removes them; then compactRange over a's range and the
// same reads again. Shale clears by one range tombstone; classic-level deletes key by key.
// Each engine and repetition runs in a child process of its own (a fresh temp dir, its own
// peak RSS). Not a test: `npm run build && node dist/bench/clear-range.js --num 1000000`.

import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { AbstractLevel } from 'abstract-level'
import { ShaleLevel } from '../src/level/shale-level.js'
import { dbKey, dbValue, shuffled } from '../src/cli/workload.js'
import { diskBytes, timed } from './measure.js'
import { clearLogBytes, tableBytesWritten } from './engines/leveldb-stats.js'
import { peerVersion, requirePeer } from './engines/peer.js'
import { type ClearRun, clearTable, summarize } from './clear-range-table.js'

const { values: args } = parseArgs({
  options: {
    num: { type: 'string', default: '1000000' },
    engines: { type: 'string', default: 'shale,classic-level' },
    repeat: { type: 'string', default: '1' },
    neighbours: { type: 'string', default: '10000' },
    /** Writes b's keys among a's batches rather than after them. */
    interleave: { type: 'boolean', default: false },
    reads: { type: 'string', default: '10000' },
    out: { type: 'string' },
    /** Writes a CPU profile of the reads right after the clear to this directory. */
    profile: { type: 'string' },
    /** Internal: run one measurement of this engine and print it as JSON. */
    child: { type: 'string' },
  },
})

const ENGINES = ['shale', 'classic-level']
const MiB = 1048576
const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits
// Six places, so a write of a few bytes (one range tombstone) still shows.
const mib = (bytes: number): number => round(bytes / MiB, 6)

type Db = AbstractLevel<string | Uint8Array, string, Uint8Array>
/** What the run needs beyond the Level API: compaction and the engine's count of bytes written. */
interface Engine {
  db: Db
  compactRange(start: string, end: string): Promise<void>
  /** Bytes the engine says it wrote since it opened; `clearedKeys` is for classic-level's log estimate. */
  bytesWritten(clearedKeys: number): number | null
  /** Whether background work (flushes, compactions) is idle by the engine's own account. */
  idle(): boolean
  /** Tables dropped unread since open because a range tombstone hid all of them; null when the engine has no such count. */
  droppedTables(): number | null
}

interface ClassicDb extends Db {
  compactRange(start: string, end: string): Promise<void>
  getProperty(name: string): string
}

async function openEngine(name: string, location: string): Promise<Engine> {
  if (name === 'shale') {
    const db = new ShaleLevel<string, Uint8Array>(location, { valueEncoding: 'view' })
    await db.open()
    const written = (): number => {
      const s = db.stats()
      return s.walBytesWritten + s.flushBytes + s.compactionBytesWritten + s.ingestBytes
    }
    return {
      db: db as unknown as Db,
      compactRange: (start, end) => db.compactRange(start, end),
      bytesWritten: written,
      idle: () => {
        const s = db.stats()
        return s.immutableMemtableBytes === 0 && s.levels.every((l) => l.score < 1)
      },
      droppedTables: () => db.stats().deleteOnlyTables,
    }
  }
  if (name === 'classic-level') {
    const { ClassicLevel } = requirePeer<{ ClassicLevel: new (location: string, options: { valueEncoding: 'view' }) => ClassicDb }>('classic-level')
    const db = new ClassicLevel(location, { valueEncoding: 'view' })
    await db.open()
    return {
      db,
      compactRange: (start, end) => db.compactRange(start, end),
      // LevelDB counts neither its log bytes (estimated from its format: the clear's deletions,
      // the only writes in the windows measured) nor table bytes finer than whole megabytes.
      bytesWritten: (clearedKeys) => clearLogBytes(clearedKeys, PREFIX_A.length + 16) + tableBytesWritten(db.getProperty('leveldb.stats')),
      idle: () => true,
      droppedTables: () => null,
    }
  }
  throw new Error(`unknown engine ${name}: expected one of ${ENGINES.join(', ')}`)
}

// abstract-level's sublevel prefixes, so the root's compactRange can name a's range: '!a!' up to '!a"'.
const PREFIX_A = '!a!'
const END_A = '!a"'

/** Bytes this process passed to write() and pwrite(), in every thread; null off Linux. */
function wchar(): number | null {
  try {
    return Number(/^wchar:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))![1])
  } catch {
    return null
  }
}

/** Resets the kernel's peak-RSS mark to the current RSS; false where it cannot. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

const peakRssMiB = (): number => round(Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024, 1)

/** Every entry of an iterator, read 1,000 at a time (classic-level's fast path; Shale's nextv). */
async function entries(db: Pick<Db, 'iterator'>): Promise<[string, Uint8Array][]> {
  const it = db.iterator()
  const out: [string, Uint8Array][] = []
  try {
    for (let page = await it.nextv(1000); page.length > 0; page = await it.nextv(1000)) out.push(...page)
  } finally {
    await it.close()
  }
  return out
}

/** A directory's file names and sizes, to tell when background work has stopped writing. */
function fingerprint(dir: string): string {
  return readdirSync(dir)
    .sort()
    .map((f) => `${f}:${statSync(join(dir, f)).size}`)
    .join(',')
}

/** Waits until the engine is idle and its files have not changed for a second (at most a minute). */
async function settle(engine: Engine, dir: string): Promise<number> {
  const start = performance.now()
  let last = ''
  let stableSince = performance.now()
  while (performance.now() - start < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    const now = fingerprint(dir)
    if (now !== last || !engine.idle()) {
      last = now
      stableSince = performance.now()
    } else if (performance.now() - stableSince >= 1000) break
  }
  return round((performance.now() - start) / 1000, 1)
}

function fail(message: string): never {
  throw new Error(`clear-range: ${message}`)
}

const expectValue = (v: Uint8Array | undefined, i: number, what: string): void => {
  if (v === undefined || Buffer.compare(Buffer.from(v.buffer, v.byteOffset, v.byteLength), dbValue(i)) !== 0) fail(`${what}: key ${dbKey(i)} has a wrong value or none`)
}

/** Checks the neighbour holds exactly its keys 0..count-1, each with its value. */
function checkNeighbour(list: [string, Uint8Array][], count: number, when: string): void {
  if (list.length !== count) fail(`${when}: sublevel b holds ${list.length} entries, not ${count}`)
  for (let i = 0; i < count; i++) {
    const [k, v] = list[i]!
    if (k !== dbKey(i)) fail(`${when}: sublevel b's entry ${i} is ${k}, not ${dbKey(i)}`)
    expectValue(v, i + NEIGHBOUR_SALT, `${when}, sublevel b`)
  }
}

const NEIGHBOUR_SALT = 7

async function runChild(engineName: string, num: number, neighbours: number, reads: number, interleave: boolean, profileDir: string | undefined): Promise<ClearRun> {
  const loadBefore = loadavg()[0]!
  const dir = mkdtempSync(join(tmpdir(), `shale-clear-bench-${engineName}-`))
  const location = join(dir, 'db')
  const log = (m: string): void => void process.stderr.write(`  [${engineName} ${num.toLocaleString()}] ${m}\n`)
  try {
    let engine = await openEngine(engineName, location)
    const fillStart = performance.now()
    const order = shuffled(num, 1)
    const put = (keys: Uint32Array, from: number, to: number, salt: number) =>
      Array.from(keys.subarray(from, to), (k) => ({ type: 'put' as const, key: dbKey(k), value: dbValue(k + salt) }))
    const subA = engine.db.sublevel<string, Uint8Array>('a', { valueEncoding: 'view' })
    const subB = engine.db.sublevel<string, Uint8Array>('b', { valueEncoding: 'view' })
    const bKeys = shuffled(neighbours, 2)
    const batches = Math.ceil(num / 1000)
    for (let i = 0; i < batches; i++) {
      await subA.batch(put(order, i * 1000, Math.min(num, (i + 1) * 1000), 0))
      // Interleaved: b's keys arrive among a's, so the flushed tables span both sublevels.
      if (interleave) {
        const from = Math.floor((i * neighbours) / batches)
        const to = Math.floor(((i + 1) * neighbours) / batches)
        if (to > from) await subB.batch(put(bKeys, from, to, NEIGHBOUR_SALT))
      }
    }
    if (!interleave) for (let i = 0; i < neighbours; i += 1000) await subB.batch(put(bKeys, i, Math.min(neighbours, i + 1000), NEIGHBOUR_SALT))
    // Reopen, so the clear meets the store as after a restart, then let compactions finish.
    await engine.db.close()
    engine = await openEngine(engineName, location)
    await settle(engine, location)
    const fillSeconds = round((performance.now() - fillStart) / 1000, 1)
    log(`filled in ${fillSeconds} s`)

    const a = engine.db.sublevel<string, Uint8Array>('a', { valueEncoding: 'view' })
    const b = engine.db.sublevel<string, Uint8Array>('b', { valueEncoding: 'view' })
    const readOrder = shuffled(num, 3).subarray(0, Math.min(reads, num))
    const gets = async (expectPresent: boolean, when: string): Promise<number> => {
      const start = performance.now()
      for (const i of readOrder) {
        const v = await a.get(dbKey(i))
        if (expectPresent) expectValue(v, i, when)
        else if (v !== undefined) fail(`${when}: cleared key ${dbKey(i)} is still there`)
      }
      return round(performance.now() - start, 3)
    }
    const getsBeforeMs = await gets(true, 'before the clear')
    const diskBeforeMiB = mib(diskBytes(location))

    const clearWritten = engine.bytesWritten(0)
    const droppedBefore = engine.droppedTables()
    const clearWchar = wchar()
    const rssReset = resetPeakRss()
    const clear = await timed(() => a.clear())
    const clearPeakRssMiB = rssReset ? peakRssMiB() : null
    const diskAfterClearMiB = mib(diskBytes(location))

    // The reads right after the clear, before any compaction could drop what it covers.
    const profiler = profileDir === undefined ? undefined : new Session()
    if (profiler !== undefined) {
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
    }
    const getsAfterMs = await gets(false, 'right after the clear')
    const iterSub = await timed(() => entries(a))
    if (iterSub.value.length !== 0) fail(`right after the clear, sublevel a still iterates ${iterSub.value.length} entries`)
    const iterNeighbour = await timed(() => entries(b))
    checkNeighbour(iterNeighbour.value, neighbours, 'right after the clear')
    const iterAll = await timed(() => entries(engine.db))
    checkNeighbour(
      iterAll.value.map(([k, v]) => [k.slice(PREFIX_A.length), v]),
      neighbours,
      'right after the clear, the whole store',
    )
    // Written at the end: the file would count among the bytes the clear wrote.
    const profile = profiler === undefined ? undefined : (await profiler.post('Profiler.stop')).profile
    profiler?.disconnect()

    const settleSeconds = await settle(engine, location)
    const diskSettledMiB = mib(diskBytes(location))
    const afterClearWritten = engine.bytesWritten(num)
    const droppedAfter = engine.droppedTables()
    const afterClearWchar = wchar()
    log(`cleared in ${clear.ms} ms`)

    const compact = await timed(() => engine.compactRange(PREFIX_A, END_A))
    await settle(engine, location)
    const compactWritten = engine.bytesWritten(num)
    const compactWchar = wchar()
    const diskCompactedMiB = mib(diskBytes(location))
    const getsCompactedMs = await gets(false, 'after compactRange')
    const iterSubCompacted = await timed(() => entries(a))
    if (iterSubCompacted.value.length !== 0) fail(`after compactRange, sublevel a iterates ${iterSubCompacted.value.length} entries`)
    const iterAllCompacted = await timed(() => entries(engine.db))
    checkNeighbour(
      iterAllCompacted.value.map(([k, v]) => [k.slice(PREFIX_A.length), v]),
      neighbours,
      'after compactRange',
    )
    await engine.db.close()
    if (profile !== undefined) {
      mkdirSync(profileDir!, { recursive: true })
      writeFileSync(join(profileDir!, `reads-after-clear-${engineName}-${num}.cpuprofile`), JSON.stringify(profile))
    }

    const delta = (after: number | null, before: number | null): number | null => (after === null || before === null ? null : mib(after - before))
    return {
      engine: engineName,
      num,
      neighbours,
      interleaved: interleave,
      fillSeconds,
      diskBeforeMiB,
      clearMs: clear.ms,
      clearLoopP99Ms: clear.loopP99Ms,
      clearLoopMaxMs: clear.loopMaxMs,
      clearLoopSamples: clear.loopSamples,
      clearPeakRssMiB,
      peakRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
      clearWrittenMiB: delta(afterClearWritten, clearWritten),
      clearWcharMiB: delta(afterClearWchar, clearWchar),
      clearDroppedTables: droppedAfter === null || droppedBefore === null ? null : droppedAfter - droppedBefore,
      diskAfterClearMiB,
      settleSeconds,
      diskSettledMiB,
      getsBeforeMs,
      getsAfterMs,
      getsCompactedMs,
      reads: readOrder.length,
      iterSubMs: iterSub.ms,
      iterSubLoopMaxMs: iterSub.loopMaxMs,
      iterNeighbourMs: iterNeighbour.ms,
      iterAllMs: iterAll.ms,
      iterAllLoopMaxMs: iterAll.loopMaxMs,
      compactMs: compact.ms,
      compactWrittenMiB: delta(compactWritten, afterClearWritten),
      compactWcharMiB: delta(compactWchar, afterClearWchar),
      diskCompactedMiB,
      iterSubCompactedMs: iterSubCompacted.ms,
      iterAllCompactedMs: iterAllCompacted.ms,
      loadBefore,
      loadAfter: loadavg()[0]!,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs one measurement in a fresh process, so each has its own heap and peak RSS. */
function spawnChild(engine: string, num: number): Promise<ClearRun> {
  const script = fileURLToPath(import.meta.url)
  const childArgs = [script, '--child', engine, '--num', String(num), '--neighbours', args.neighbours, '--reads', args.reads]
  if (args.profile !== undefined) childArgs.push('--profile', args.profile)
  if (args.interleave) childArgs.push('--interleave')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgs, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the ${engine} run at ${num} keys failed (exit ${code})`))
      else resolve(JSON.parse(out) as ClearRun)
    })
  })
}

if (args.child !== undefined) {
  const run = await runChild(args.child, Number(args.num), Number(args.neighbours), Number(args.reads), args.interleave, args.profile)
  process.stdout.write(`${JSON.stringify(run)}\n`)
} else {
  const nums = args.num.split(',').map(Number)
  const engines = args.engines.split(',')
  for (const e of engines) if (!ENGINES.includes(e)) throw new Error(`unknown engine ${e}: expected one of ${ENGINES.join(', ')}`)
  const repeat = Number(args.repeat)
  const runs: ClearRun[] = []
  // Engines interleaved within each repetition, so a change in the machine's load hits both.
  for (let rep = 1; rep <= repeat; rep++)
    for (const num of nums)
      for (const engine of engines) {
        process.stderr.write(`run ${rep}/${repeat}: ${engine}, ${num.toLocaleString()} keys\n`)
        runs.push(await spawnChild(engine, num))
      }
  const medians = summarize(runs)
  const loads = runs.flatMap((r) => [r.loadBefore, r.loadAfter])
  const machine = {
    cpus: cpus().length,
    node: process.version,
    loadAverage1m: { min: round(Math.min(...loads)), max: round(Math.max(...loads)) },
    peers: engines.includes('classic-level') ? [peerVersion('classic-level')] : [],
  }
  const command = `node dist/bench/clear-range.js ${process.argv.slice(2).join(' ')}`.trim()
  process.stdout.write(`${clearTable(medians)}\n\n`)
  process.stdout.write(`${repeat === 1 ? 'one run each' : `medians of ${repeat} runs`}; ${machine.cpus} cores, Node ${machine.node}, 1-minute load average ${machine.loadAverage1m.min}-${machine.loadAverage1m.max}\n`)
  if (args.out !== undefined) writeFileSync(args.out, `${JSON.stringify({ command, date: new Date().toISOString(), machine, medians, runs }, null, 2)}\n`)
}
