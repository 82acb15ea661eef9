import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SerialQueue } from '../../src/util/serial-queue.js'

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

test('jobs run one at a time, in the order queued, and each promise settles with its own job', async () => {
  const q = new SerialQueue()
  const log: string[] = []
  let running = 0
  const job = (name: string, result: number) => async () => {
    assert.equal(running++, 0, 'no overlap')
    log.push(`start ${name}`)
    await tick()
    log.push(`end ${name}`)
    running--
    return result
  }
  const results = await Promise.all([q.push(job('a', 1)), q.push(job('b', 2)), q.push(job('c', 3))])
  assert.deepEqual(results, [1, 2, 3])
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
  assert.equal(q.size, 0)
})

test('a failed job rejects only its own promise; later jobs run and idle() resolves', async () => {
  const q = new SerialQueue()
  const failed = q.push(async () => {
    throw new Error('boom')
  })
  const after = q.push(async () => 'ran')
  const idle = q.idle()
  await assert.rejects(failed, /boom/)
  assert.equal(await after, 'ran')
  await idle
  assert.equal(q.size, 0)
})

test('idle() waits for the jobs queued before it, and size counts queued and running jobs', async () => {
  const q = new SerialQueue()
  let done = 0
  for (let i = 0; i < 3; i++) {
    void q.push(async () => {
      await tick()
      done++
    })
  }
  assert.equal(q.size, 3)
  await q.idle()
  assert.equal(done, 3)
  assert.equal(q.size, 0)
})

test('pushOnce shares a job that has not started, and queues another once it has', async () => {
  const q = new SerialQueue()
  let runs = 0
  let release: (() => void) | undefined
  const blocker = q.push(() => new Promise<void>((resolve) => (release = resolve)))
  const job = async () => {
    runs++
    await tick()
  }
  const first = q.pushOnce('auto', job)
  assert.equal(q.pushOnce('auto', job), first, 'the waiting job is shared')
  assert.equal(q.size, 2)
  while (release === undefined) await Promise.resolve()
  assert.equal(runs, 0, 'the shared job waits behind the running one')
  release()
  await blocker
  while (runs === 0) await Promise.resolve()
  // Running now: it may have looked at the state already, so a new request queues a new run.
  const second = q.pushOnce('auto', job)
  assert.notEqual(second, first)
  await Promise.all([first, second])
  assert.equal(runs, 2)
})
