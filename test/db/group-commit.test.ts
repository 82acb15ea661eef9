// Group commit on its own, over log writers whose fsyncs the test holds open: writers that
// arrive during a sync share the next one, a writer is never told its bytes are durable by a
// sync that began before it appended, older logs are synced before newer ones, and a failed
// round rejects every writer in it, while the next round starts afresh.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GroupCommit } from '../../src/db/group-commit.js'
import { ioError } from '../../src/errors.js'
import type { WritableFile } from '../../src/vfs/file-system.js'
import { LogWriter } from '../../src/wal/log-writer.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

/** A file whose sync() waits until the test releases it, with success or an error. */
class HeldFile implements WritableFile {
  size = 0
  started = 0
  closed = false
  #gates: ((error: Error | undefined) => void)[] = []
  constructor(
    readonly name: string,
    readonly events: string[],
  ) {}
  append(data: Uint8Array): void {
    this.size += data.length
  }
  sync(): Promise<void> {
    this.started++
    this.events.push(`sync ${this.name}`)
    return new Promise((resolve, reject) => this.#gates.push((error) => (error ? reject(error) : resolve())))
  }
  /** Lets the oldest waiting sync finish, or fail with `error`. */
  release(error?: Error): void {
    this.#gates.shift()!(error)
  }
  get waiting(): number {
    return this.#gates.length
  }
  close(): void {
    this.closed = true
  }
}

const settle = () => new Promise<void>((r) => setImmediate(r))

function setup() {
  const events: string[] = []
  const fs = new MemoryFileSystem()
  fs.mkdir('/db')
  const commit = new GroupCommit(fs, '/db')
  const file = new HeldFile('log1', events)
  const log = new LogWriter(file, { bufferSize: 0 })
  commit.addLog(log)
  return { fs, commit, file, log, events }
}

/** Tracks whether a promise has settled, and how. */
function watch(p: Promise<void>) {
  const state = { done: false, error: undefined as unknown }
  p.then(
    () => (state.done = true),
    (e: unknown) => ((state.done = true), (state.error = e)),
  )
  return state
}

test('writers that arrive while a sync runs share the next one: four writers, two fsyncs', async () => {
  const { commit, file, log } = setup()
  log.addRecord(Uint8Array.of(1))
  const first = watch(commit.sync())
  await settle()
  assert.equal(file.waiting, 1)
  // Three more writers append and ask for durability while the first fsync is in flight.
  const later = [2, 3, 4].map((b) => {
    log.addRecord(Uint8Array.of(b))
    return watch(commit.sync())
  })
  await settle()
  assert.equal(file.started, 1, 'no second fsync while the first runs')
  file.release()
  await settle()
  assert.equal(first.done, true)
  assert.ok(later.every((w) => !w.done), 'their bytes came after the first fsync began: they wait for the next')
  assert.equal(file.started, 2, 'one fsync for the whole group')
  file.release()
  await settle()
  assert.ok(later.every((w) => w.done && w.error === undefined))
  assert.equal(commit.syncs, 2)
  assert.equal(log.syncedSize, log.size)
  const stats = commit.stats()
  assert.deepEqual([stats.fsyncs, stats.rounds, stats.syncedWrites, stats.maxWritersPerRound], [2, 2, 4, 3], 'stats: two rounds acknowledged four writes, three in the second')
  assert.ok(stats.fsyncP50Millis > 0 && stats.fsyncP99Millis >= stats.fsyncP50Millis)
})

test('a sync with nothing new to make durable issues no fsync', async () => {
  const { commit, file, log } = setup()
  log.addRecord(Uint8Array.of(1))
  const p = commit.sync()
  await settle()
  file.release()
  await p
  await commit.sync()
  assert.equal(file.started, 1)
  assert.equal(commit.syncs, 1)
})

test('a round syncs the directory when a log was added, then every log with unsynced bytes, oldest first', async () => {
  const { fs, commit, file, log, events } = setup()
  log.addRecord(Uint8Array.of(1))
  const newer = new HeldFile('log2', events)
  const log2 = new LogWriter(newer, { bufferSize: 0 })
  commit.addLog(log2)
  log2.addRecord(Uint8Array.of(2))
  fs.failNth('syncDir', 2)
  const p = watch(commit.sync())
  await settle()
  assert.deepEqual(events, ['sync log1'], 'the directory first (it did not fail), then the older log')
  file.release()
  await settle()
  assert.deepEqual(events, ['sync log1', 'sync log2'])
  newer.release()
  await settle()
  assert.equal(p.done, true)
  assert.equal(p.error, undefined)
  // No log added since: the next round does not sync the directory (whose next sync is armed to fail).
  log2.addRecord(Uint8Array.of(3))
  const q = commit.sync()
  await settle()
  newer.release()
  await q
  assert.deepEqual(events, ['sync log1', 'sync log2', 'sync log2'], 'only the log with new bytes')
})

test('a failed fsync rejects every writer of its round with that error, and only them', async () => {
  const { commit, file, log } = setup()
  log.addRecord(Uint8Array.of(1))
  const first = watch(commit.sync())
  await settle()
  // Three writers arrive during the first fsync: they form the next round.
  const group = [2, 3, 4].map((b) => {
    log.addRecord(Uint8Array.of(b))
    return watch(commit.sync())
  })
  file.release()
  await settle()
  assert.equal(first.done, true)
  assert.equal(first.error, undefined, 'the earlier round succeeded and stays a success')
  assert.equal(file.waiting, 1)
  const boom = ioError('sync /db/000001.log', Object.assign(new Error('EIO: injected'), { code: 'EIO' }))
  file.release(boom)
  await settle()
  assert.ok(group.every((w) => w.done), 'every member settles')
  assert.ok(group.every((w) => w.error === boom), 'every member gets the one error')
  // The log writer is now unusable (a failed fsync may have lost pages): later rounds fail too.
  await assert.rejects(commit.sync(), /unusable after an earlier failure: Cannot sync/)
})

test('a failed directory sync rejects its whole round, syncs no log, and the next round tries the directory again', async () => {
  const { fs, commit, file, log, events } = setup()
  log.addRecord(Uint8Array.of(1))
  const first = watch(commit.sync())
  await settle()
  // During the first round a new log appears (so the next round syncs the directory), and
  // two writers arrive.
  const newer = new HeldFile('log2', events)
  const log2 = new LogWriter(newer, { bufferSize: 0 })
  commit.addLog(log2)
  log2.addRecord(Uint8Array.of(2))
  fs.failNth('syncDir', 1)
  const round = [watch(commit.sync()), watch(commit.sync())]
  file.release()
  await settle()
  assert.equal(first.error, undefined)
  assert.deepEqual(round.map((w) => [w.done, (w.error as { code?: string } | undefined)?.code]), [[true, 'IO'], [true, 'IO']])
  assert.equal(newer.started, 0, 'no log is synced after the directory failed')
  const retry = watch(commit.sync())
  await settle()
  assert.equal(newer.started, 1, 'the directory sync succeeded this time, and the logs follow')
  newer.release()
  await settle()
  assert.equal(retry.done, true)
  assert.equal(retry.error, undefined)
})

test('retire waits for the running round, then stops tracking and closes the log; drain waits too', async () => {
  const { commit, file, log } = setup()
  log.addRecord(Uint8Array.of(1))
  const p = commit.sync()
  await settle()
  const retired = watch(commit.retire(log))
  const drained = watch(commit.drain())
  await settle()
  assert.equal(retired.done, false)
  assert.equal(drained.done, false)
  assert.equal(file.closed, false)
  file.release()
  await p
  await settle()
  assert.equal(retired.done, true)
  assert.equal(drained.done, true)
  assert.equal(file.closed, true)
  // A retired log is no longer synced (it is closed; syncing it would throw).
  await commit.sync()
  assert.equal(file.started, 1)
})

test('writers released by a round join the next one together: 64 writers writing in a loop share one fsync per round', async () => {
  /** A file whose fsync completes on a later turn of the event loop, like a real one. */
  class QuickFile implements WritableFile {
    size = 0
    syncs = 0
    append(data: Uint8Array): void {
      this.size += data.length
    }
    sync(): Promise<void> {
      this.syncs++
      return new Promise((resolve) => setImmediate(resolve))
    }
    close(): void {}
  }
  const fs = new MemoryFileSystem()
  fs.mkdir('/db')
  const commit = new GroupCommit(fs, '/db')
  const file = new QuickFile()
  const log = new LogWriter(file, { bufferSize: 0 })
  commit.addLog(log)
  const WRITERS = 64
  const WRITES = 10
  const writer = async (id: number) => {
    for (let i = 0; i < WRITES; i++) {
      log.addRecord(Uint8Array.of(id, i))
      await commit.sync()
    }
  }
  await Promise.all(Array.from({ length: WRITERS }, (_, id) => writer(id)))
  // Without the turn between rounds, the first writer back starts a round alone and the
  // other 63 wait for the next: about two fsyncs per write of each writer.
  assert.ok(file.syncs <= WRITES + 3, `${file.syncs} fsyncs for ${WRITERS * WRITES} writes by ${WRITERS} writers`)
  assert.ok(file.syncs >= WRITES, 'each writer waited for its own writes to be synced')
})
