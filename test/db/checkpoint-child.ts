// Child process of checkpoint-processes.test.ts. It opens the store at `dir` and writes to it
// without end (tiny memtables and levels, so flushes and compactions keep running). In mode
// 'checkpoint' it also takes checkpoints to `<base>-<n>` one after another, with tables copied
// (links fail, as across devices) so that each takes a while, reporting "begin N" before and
// "done N SEQUENCE COUNT HASH" after: the digest of a snapshot taken at the call. In mode
// 'write' it only writes, reporting "ack I" for each synced write. The parent SIGKILLs it.

import { Shale } from '../../src/index.js'
import { ioError } from '../../src/errors.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'
import { say } from '../helpers/kill-child.js'
import { storeDigest } from '../helpers/store-digest.js'

const [dir, mode, base] = process.argv.slice(2)

class NoLinkFileSystem extends NodeFileSystem {
  override link(existing: string, path: string): void {
    const err = new Error('EXDEV: cross-device link not permitted') as NodeJS.ErrnoException
    err.code = 'EXDEV'
    throw ioError(`link ${existing} as ${path}`, err)
  }
}

const SMALL = { memtableSize: 16 * 1024, blockSize: 512, l1TargetSize: 64 * 1024, targetFileSize: 16 * 1024, levelMultiplier: 4 }
const db = await Shale.open(dir!, mode === 'checkpoint' ? { ...SMALL, fileSystem: new NoLinkFileSystem() } : SMALL)
// A store of some size first, so that a checkpoint has tables to copy.
if (mode === 'checkpoint') for (let i = 0; i < 4000; i++) await db.put(`k${i % 1500}`, `${i}`.padEnd(100, '.'))

let i = 0
async function write(): Promise<void> {
  for (;;) {
    const n = i++
    await db.put(`k${n % 1500}`, `w${n}`.padEnd(60, '.'), { sync: n % 3 === 0 })
    if (mode === 'write' && n % 3 === 0) say(`ack ${n}`)
  }
}

async function checkpoints(): Promise<void> {
  for (let n = 0; ; n++) {
    say(`begin ${n}`)
    const snap = db.snapshot()
    const result = await db.checkpoint(`${base}-${n}`)
    const { count, hash } = await storeDigest(db, snap)
    snap.release()
    say(`done ${n} ${result.sequence} ${count} ${hash}`)
  }
}

say('ready')
void write()
if (mode === 'checkpoint') void checkpoints()
