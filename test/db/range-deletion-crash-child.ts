// Child process of the range-deletion crash test: writes the range history (puts, deletes,
// range deletions with and without an end) from a given index, in groups, several in flight
// at once, and reports each group before it is issued ("begin END") and once acknowledged
// ("ack END sync" or "ack END nosync"). The parent kills it with SIGKILL at a random moment.

import { Shale, type BatchOperation } from '../../src/index.js'
import { say } from '../helpers/kill-child.js'
import { Random } from '../helpers/random.js'
import { rangeHistoryOp } from '../helpers/range-history.js'

const [dir, startArg, seedArg] = process.argv.slice(2)
const r = new Random(Number(seedArg))

// Tiny memtables and levels: flushes and compactions (which cut and drop tombstones) run all the time.
const db = await Shale.open(dir!, { memtableSize: 16 * 1024, blockSize: 512, l1TargetSize: 64 * 1024, targetFileSize: 16 * 1024, levelMultiplier: 4 })
say('ready')
let next = Number(startArg)
const IN_FLIGHT = 4

async function writer(): Promise<void> {
  for (;;) {
    const start = next
    let end = start + 1 + r.int(4)
    // A range deletion without an end is a write of its own (a batch's delRange needs an end),
    // so it makes a group of its own and every group stays one atomic write.
    for (let i = start; i < end; i++) {
      const o = rangeHistoryOp(i)
      if (o.type === 'delRange' && o.lt === undefined) end = i === start ? i + 1 : i
    }
    next = end
    const sync = r.bool(0.6)
    const ops = []
    for (let i = start; i < end; i++) ops.push(rangeHistoryOp(i))
    say(`begin ${end}`)
    const op = ops[0]!
    if (ops.length === 1 && op.type === 'delRange') await db.deleteRange(op.gte, op.lt, { sync })
    else if (ops.length === 1 && op.type === 'put') await db.put(op.key, op.value.padEnd(40, '.'), { sync })
    else if (ops.length === 1 && op.type === 'del') await db.delete(op.key, { sync })
    else {
      const batch = ops.map((o): BatchOperation => (o.type === 'put' ? { type: 'put', key: o.key, value: o.value.padEnd(40, '.') } : o.type === 'del' ? o : { type: 'delRange', gte: o.gte, lt: o.lt! }))
      await db.write(batch, { sync })
    }
    say(`ack ${end} ${sync ? 'sync' : 'nosync'}`)
  }
}

await Promise.all(Array.from({ length: IN_FLIGHT }, writer))
