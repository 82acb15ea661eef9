// Child process of the ingest crash test: ingests the same keys over and over, each round
// with values naming the round, while a writer makes sync puts of keys of its own. It
// reports each round before it starts ("begin R") and once it resolves ("ack R"), and
// each acknowledged put ("put I"). The parent kills it with SIGKILL at a random moment.

import { Shale } from '../../src/index.js'
import { say } from '../helpers/kill-child.js'

const [dir, roundArg, putArg] = process.argv.slice(2)
const INGEST_KEYS = 4000

const db = await Shale.open(dir!, { memtableSize: 16 * 1024, blockSize: 512, l1TargetSize: 64 * 1024, targetFileSize: 16 * 1024, levelMultiplier: 4 })
say('ready')

async function ingester(): Promise<void> {
  for (let round = Number(roundArg); ; round++) {
    function* entries() {
      for (let i = 0; i < INGEST_KEYS; i++) yield { key: `ing-${String(i).padStart(5, '0')}`, value: `r${round}`.padEnd(60, '.') }
    }
    say(`begin ${round}`)
    await db.ingest(entries())
    say(`ack ${round}`)
  }
}

async function writer(): Promise<void> {
  for (let i = Number(putArg); ; i++) {
    await db.put(`put-${String(i).padStart(6, '0')}`, String(i), { sync: true })
    say(`put ${i}`)
  }
}

await Promise.all([ingester(), writer()])
