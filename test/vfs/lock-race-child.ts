// Child process of the lock race test. It waits for {go, at, dir}, spins until the shared
// start time so every racer calls Shale.open within the same fraction of a millisecond, and
// reports { result: 'opened' } or the error code. A winner keeps the store open (and so the
// lock) until {close}; with {hold: true} in argv it opens at once and waits to be killed.

import { Shale } from '../../src/index.js'

const send = (m: unknown): void => void process.send!(m)
let db: Shale | undefined

if (process.argv[2] === 'hold') {
  db = await Shale.open(process.argv[3]!)
  await db.put('holder', String(process.pid), { sync: true })
  send({ result: 'opened' })
  // Wait to be killed, whatever else keeps this process alive or not (under Deno 2.9 an idle
  // IPC channel does not, and the parent then sees the exit before the message).
  setInterval(() => {}, 1 << 30)
} else {
  process.on('message', async (m: { go?: { at: number; dir: string }; close?: boolean }) => {
    if (m.go) {
      while (Date.now() < m.go.at) {
        // Spin: a timer would wake each racer at a different moment.
      }
      try {
        db = await Shale.open(m.go.dir)
        await db.put('winner', String(process.pid), { sync: true })
        send({ result: 'opened' })
      } catch (err) {
        send({ result: (err as { code?: string }).code ?? 'ERROR', message: String(err) })
      }
    } else if (m.close) {
      await db?.close()
      db = undefined
      send({ closed: true })
    }
  })
  send({ ready: true })
}
