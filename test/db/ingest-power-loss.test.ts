// Power-loss test for db.ingest() on the in-memory file system: an image of what a power
// cut would leave is taken after every fsync and directory sync while an ingest runs beside
// sync puts, half of them with the unsynced tails torn. Every image must open, hold the
// ingest whole or not at all (all the new values over the old ones, or all the old ones),
// hold it whole if the ingest had resolved, and hold every put acknowledged before it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, type IngestEntry } from '../../src/index.js'
import type { WritableFile } from '../../src/vfs/file-system.js'
import { contents } from '../helpers/batch-history.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { Random } from '../helpers/random.js'

interface Image {
  fs: MemoryFileSystem
  /** Sync puts acknowledged before the image was taken, and whether the ingest had resolved. */
  acked: number
  ingested: boolean
}

class ImageTaking extends MemoryFileSystem {
  readonly images: Image[] = []
  capturing = false
  acked = 0
  ingested = false
  readonly #r: Random

  constructor(seed: number) {
    super()
    this.#r = new Random(seed)
  }

  #capture(): void {
    if (!this.capturing) return
    const tear = this.#r.bool() ? (n: number) => this.#r.int(n + 1) : undefined
    this.images.push({ fs: this.crash(tear), acked: this.acked, ingested: this.ingested })
  }

  override create(path: string): WritableFile {
    const file = super.create(path)
    return {
      get size() {
        return file.size
      },
      append: (data) => file.append(data),
      sync: async () => {
        await file.sync()
        this.#capture()
      },
      close: () => file.close(),
    }
  }

  override async syncDir(dir: string): Promise<void> {
    await super.syncDir(dir)
    this.#capture()
  }
}

const key = (i: number): string => `key-${String(i).padStart(5, '0')}`

test('power loss during an ingest: every image holds it whole or not at all, and every acknowledged sync put', async () => {
  let images = 0
  const outcomes = { none: 0, whole: 0 }
  for (let seed = 1; seed <= 4; seed++) {
    const fs = new ImageTaking(seed)
    const options = { memtableSize: 4096, blockSize: 256, targetFileSize: 4096, l1TargetSize: 8192, levelMultiplier: 2 }
    const db = await Shale.open('/db', { ...options, fileSystem: fs })
    // Old values under part of the range, in tables and in the log.
    for (let i = 0; i < 1000; i += 2) await db.put(key(i), 'old')
    await db.flush()
    for (let i = 1; i < 1000; i += 4) await db.put(key(i), 'old', { sync: true })
    fs.capturing = true
    function* entries(): Generator<IngestEntry> {
      for (let i = 0; i < 1000; i++) yield { key: key(i), value: `new-${i}` }
    }
    const ingest = db.ingest(entries()).then(() => (fs.ingested = true))
    const puts = (async () => {
      for (let i = 0; i < 30; i++) {
        await db.put(`put-${String(i).padStart(3, '0')}`, 'x', { sync: true })
        fs.acked = i + 1
      }
    })()
    await Promise.all([ingest, puts])
    await db.put('after', 'x', { sync: true })
    fs.capturing = false
    await db.close()
    for (const [n, image] of fs.images.entries()) {
      const what = `seed ${seed} image ${n} (${image.acked} puts acked, ingest ${image.ingested ? 'resolved' : 'running'})`
      const reopened = await Shale.open('/db', { ...options, fileSystem: image.fs })
      const got = await contents(reopened)
      await reopened.close()
      const fresh = [...got].filter(([k, v]) => k.startsWith('key-') && v.startsWith('new-')).length
      assert.ok(fresh === 0 || fresh === 1000, `${what}: ${fresh} of the 1000 ingested entries`)
      outcomes[fresh === 0 ? 'none' : 'whole']++
      if (image.ingested) assert.equal(fresh, 1000, `${what}: a resolved ingest was lost`)
      if (fresh === 0) for (let i = 1; i < 1000; i += 4) assert.equal(got.get(key(i)), 'old', `${what}: ${key(i)}`)
      for (let i = 0; i < image.acked; i++) assert.ok(got.has(`put-${String(i).padStart(3, '0')}`), `${what}: acknowledged put ${i} lost`)
    }
    images += fs.images.length
  }
  console.log(`ingest power-loss test: ${images} images checked, ${outcomes.none} without the ingest, ${outcomes.whole} with all of it`)
  assert.ok(outcomes.none > 10 && outcomes.whole > 10, 'power cuts landed both before and after the install')
})
