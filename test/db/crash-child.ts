// Child process of the crash test: writes the shared history from a given index, in
// groups (single writes and atomic batches), several in flight at once, and reports on
// stdout each group before it is issued ("begin END") and once acknowledged ("ack END sync"
// or "ack END nosync"). The parent kills it with SIGKILL at a random moment.

import { Shale } from '../../src/index.js'
import { say } from '../helpers/kill-child.js'
import { Random } from '../helpers/random.js'
import { historyKey, isDelete } from '../helpers/crash-history.js'

const [dir, startArg, seedArg] = process.argv.slice(2)
const r = new Random(Number(seedArg))

// Tiny memtables and levels: flushes and compactions run all the time, so kills land in them.
const db = await Shale.open(dir!, { memtableSize: 16 * 1024, blockSize: 512, l1TargetSize: 64 * 1024, targetFileSize: 16 * 1024, levelMultiplier: 4 })
say('ready')
let next = Number(startArg)
const IN_FLIGHT = 4
let acks = 0

async function writer(): Promise<void> {
  for (;;) {
    const start = next
    const size = 1 + r.int(4)
    const end = start + size
    next = end
    const sync = r.bool(0.7)
    const ops = []
    for (let i = start; i < end; i++) {
      ops.push(isDelete(i) ? { type: 'del' as const, key: historyKey(i) } : { type: 'put' as const, key: historyKey(i), value: String(i).padEnd(40, '.') })
    }
    say(`begin ${end}`)
    if (ops.length === 1) {
      const op = ops[0]!
      if (op.type === 'put') await db.put(op.key, op.value, { sync })
      else await db.delete(op.key, { sync })
    } else {
      await db.write(ops, { sync })
    }
    say(`ack ${end} ${sync ? 'sync' : 'nosync'}`)
    if (++acks % 100 === 0) say(`compactions ${db.stats().levels.reduce((n, l) => n + l.compactions, 0)}`)
  }
}

await Promise.all(Array.from({ length: IN_FLIGHT }, writer))
