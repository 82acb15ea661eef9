// The mirroring process of test/examples/mirror.test.ts: examples/mirror.ts's mirror() from a
// read-only handle on the source into the mirror store, until it is killed.

import { Shale } from '../../src/index.js'
import { mirror } from '../../examples/mirror.js'
import { say } from '../helpers/kill-child.js'

const [sourceDir, mirrorDir] = process.argv.slice(2) as [string, string]
const source = await Shale.open(sourceDir, { readOnly: true })
const target = await Shale.open(mirrorDir, { memtableSize: 16 * 1024, compactionThread: 'main' })
say('ready')
await mirror(source, target, { onApplied: (sequence) => say(`applied ${sequence}`) })
