// The directory lock across processes. The race test starts six processes that call
// Shale.open on one store at the same instant, half the time over a LOCK left by a process
// killed with SIGKILL, and requires exactly one to win every trial; the losers must get
// LOCKED, and keep getting it while the winner lives.
//
// SHALE_LOCK_TRIALS=<n> runs more trials (default 40).

import assert from 'node:assert/strict'
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const CHILD = fileURLToPath(new URL('./lock-race-child.js', import.meta.url))
const RACERS = 6
const TRIALS = Number(process.env.SHALE_LOCK_TRIALS ?? 40)

interface Racer {
  child: ChildProcess
  next(): Promise<Record<string, unknown>>
}

function startRacer(): Promise<Racer> {
  const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const queue: Record<string, unknown>[] = []
  const waiting: ((m: Record<string, unknown>) => void)[] = []
  child.on('message', (m: Record<string, unknown>) => {
    const w = waiting.shift()
    if (w) w(m)
    else queue.push(m)
  })
  const racer: Racer = {
    child,
    next: () => new Promise((resolve, reject) => {
      const m = queue.shift()
      if (m) return resolve(m)
      waiting.push(resolve)
      child.once('exit', (code) => reject(new Error(`racer exited with code ${code}`)))
    }),
  }
  return racer.next().then(() => racer)
}

/** Opens the store in a process that is then killed, leaving its LOCK behind. */
async function leaveDeadOwnersLock(dir: string): Promise<void> {
  const holder = fork(CHILD, ['hold', dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  await new Promise<void>((resolve, reject) => {
    holder.once('message', () => resolve())
    holder.once('exit', (code) => reject(new Error(`holder exited with code ${code} before opening`)))
  })
  const exited = new Promise((resolve) => holder.once('exit', resolve))
  holder.kill('SIGKILL')
  await exited
  assert.ok(existsSync(join(dir, 'LOCK')), 'the killed holder left its LOCK')
}

async function race(racers: Racer[], dir: string): Promise<string[]> {
  const at = Date.now() + 30
  for (const r of racers) r.child.send({ go: { at, dir } })
  const results = await Promise.all(racers.map((r) => r.next()))
  return results.map((m) => String(m.result))
}

test(`exactly one of ${RACERS} processes opens the store, over ${TRIALS} trials, half over a dead owner's LOCK`, { timeout: 600_000 }, async () => {
  const tmp = tempDir()
  const racers = await Promise.all(Array.from({ length: RACERS }, startRacer))
  const tally = { trials: 0, deadOwner: 0, winners: [] as number[] }
  const failures: string[] = []
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      const dir = join(tmp.path, `t${trial}`)
      const deadOwner = trial % 2 === 1
      // Even trials alternate between racing to create a store and racing to open a closed one.
      if (deadOwner) await leaveDeadOwnersLock(dir)
      else if (trial % 4 === 2) await (await Shale.open(dir)).close()
      const results = await race(racers, dir)
      const winners = results.filter((r) => r === 'opened').length
      tally.trials++
      if (deadOwner) tally.deadOwner++
      tally.winners.push(winners)
      // Every trial runs, so the tally shows how often a broken lock lets two in.
      if (winners !== 1) failures.push(`trial ${trial} (${deadOwner ? 'dead owner' : 'no LOCK'}): ${winners} openers won: ${results.join(', ')}`)
      failures.push(...results.filter((r) => r !== 'opened' && r !== 'LOCKED').map((r) => `trial ${trial}: a loser failed with ${r}, not LOCKED`))
      if (winners === 1) {
        // While the winner lives, its lock is never taken, however often the others try.
        const losers = racers.filter((_, i) => results[i] !== 'opened')
        const again = await race(losers, dir)
        if (again.some((r) => r !== 'LOCKED')) failures.push(`trial ${trial}: a live owner's lock was taken: ${again.join(', ')}`)
      }
      for (const r of racers) r.child.send({ close: true })
      await Promise.all(racers.map((r) => r.next()))
      // The store is whole, and the lock protocol left nothing behind.
      try {
        const db = await Shale.open(dir)
        if ((await db.get('winner')) === undefined) failures.push(`trial ${trial}: the winner's write is missing`)
        await db.close()
        const left = readdirSync(dir).filter((n) => n.startsWith('LOCK'))
        if (left.length > 0) failures.push(`trial ${trial}: lock files left behind: ${left.join(', ')}`)
      } catch (err) {
        failures.push(`trial ${trial}: the store does not reopen: ${String(err)}`)
      }
    }
  } finally {
    for (const r of racers) r.child.kill()
    tmp.remove()
    console.log(`lock race: ${tally.trials} trials x ${RACERS} processes (${tally.deadOwner} over a dead owner's LOCK); openers per trial: ${JSON.stringify(countBy(tally.winners))}`)
  }
  assert.deepEqual(failures, [])
})

function countBy(xs: number[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const x of xs) out[x] = (out[x] ?? 0) + 1
  return out
}

test('a LOCK in the older "pid host" format, or empty, left by a dead process is taken over', async () => {
  const tmp = tempDir()
  try {
    const dead = await deadPid()
    for (const content of [`${dead} ${hostname()}\n`, '']) {
      const dir = join(tmp.path, `legacy-${content.length}`)
      await (await Shale.open(dir)).close()
      writeFileSync(join(dir, 'LOCK'), content)
      const db = await Shale.open(dir)
      assert.match(readFileSync(join(dir, 'LOCK'), 'utf8'), new RegExp(`^${process.pid} `))
      await db.close()
    }
  } finally {
    tmp.remove()
  }
})

test('a LOCK held by a live process, or naming another host, is refused with LOCKED', async () => {
  const tmp = tempDir()
  const sleeper = spawn('sleep', ['30'])
  try {
    await (await Shale.open(tmp.path)).close()
    writeFileSync(join(tmp.path, 'LOCK'), `${sleeper.pid} ${hostname()} 00000000-0000-4000-8000-000000000000\n`)
    await assert.rejects(Shale.open(tmp.path), (e: Error & { code?: string }) => e.code === 'LOCKED' && e.message.includes(`process ${sleeper.pid}`))
    writeFileSync(join(tmp.path, 'LOCK'), `1 elsewhere.example 00000000-0000-4000-8000-000000000000\n`)
    await assert.rejects(Shale.open(tmp.path), (e: Error & { code?: string }) => e.code === 'LOCKED' && e.message.includes('elsewhere.example'))
  } finally {
    sleeper.kill()
    tmp.remove()
  }
})

test('when the runtime will not say whether the owner runs (Deno without --allow-run), the LOCK is taken as live: LOCKED, saying why', async () => {
  const tmp = tempDir()
  const dead = await deadPid()
  const kill = process.kill
  try {
    await (await Shale.open(tmp.path)).close()
    writeFileSync(join(tmp.path, 'LOCK'), `${dead} ${hostname()} 00000000-0000-4000-8000-000000000000\n`)
    // What Deno's process.kill throws without run permission: no errno code.
    process.kill = () => {
      throw Object.assign(new Error('Requires run access, run again with the --allow-run flag'), { name: 'NotCapable' })
    }
    await assert.rejects(Shale.open(tmp.path), (e: Error & { code?: string }) => e.code === 'LOCKED' && e.message.includes(`process ${dead}`) && e.message.includes('--allow-run'))
    process.kill = kill
    // Once the check can be made, the dead owner's LOCK is taken over as before.
    await (await Shale.open(tmp.path)).close()
  } finally {
    process.kill = kill
    tmp.remove()
  }
})

test('a takeover claim left by a process that died mid-takeover is cleared; a live claimant wins', async () => {
  const tmp = tempDir()
  const sleeper = spawn('sleep', ['30'])
  try {
    await (await Shale.open(tmp.path)).close()
    const dead = await deadPid()
    const staleNonce = '11111111-1111-4111-8111-111111111111'
    writeFileSync(join(tmp.path, 'LOCK'), `${dead} ${hostname()} ${staleNonce}\n`)
    const claim = join(tmp.path, `LOCK.takeover-${staleNonce}`)
    // A live process is taking the dead owner's lock over: it will win, so we are LOCKED.
    writeFileSync(claim, `${sleeper.pid} ${hostname()} 22222222-2222-4222-8222-222222222222\n`)
    await assert.rejects(Shale.open(tmp.path), (e: Error & { code?: string }) => e.code === 'LOCKED' && e.message.includes('taking over'))
    // The claimant died too: its claim is cleared one level down, and the lock is ours.
    writeFileSync(claim, `${dead} ${hostname()} 22222222-2222-4222-8222-222222222222\n`)
    writeFileSync(join(tmp.path, `LOCK.${dead}.33333333-3333-4333-8333-333333333333.0.tmp`), 'half-writ')
    const db = await Shale.open(tmp.path)
    await db.close()
    assert.deepEqual(readdirSync(tmp.path).filter((n) => n.startsWith('LOCK')), [])
  } finally {
    sleeper.kill()
    tmp.remove()
  }
})

test('a second open in the same process is LOCKED, and close releases the lock', async () => {
  const tmp = tempDir()
  try {
    const db = await Shale.open(tmp.path)
    await assert.rejects(Shale.open(tmp.path), (e: Error & { code?: string }) => e.code === 'LOCKED')
    await db.close()
    assert.equal(existsSync(join(tmp.path, 'LOCK')), false)
    await (await Shale.open(tmp.path)).close()
  } finally {
    tmp.remove()
  }
})

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  return new Promise((resolve) => child.once('exit', () => resolve(child.pid!)))
}
