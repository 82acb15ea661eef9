// The Level project's `rocksdb` binding (abstract-leveldown 7, callback API), with its
// package defaults. Discontinued upstream in Dec 2024, still what `npm install rocksdb` gives.

import type { OpenEngine } from './engine.js'
import { requirePeer } from './peer.js'

type Callback<T = void> = (err: Error | null | undefined, result?: T) => void
interface RocksIterator {
  next(cb: (err: Error | null | undefined, key?: Buffer, value?: Buffer) => void): void
  end(cb: Callback): void
}
interface RocksDb {
  open(options: object, cb: Callback): void
  put(key: string, value: Uint8Array, options: object, cb: Callback): void
  get(key: string, options: object, cb: Callback<Buffer>): void
  batch(ops: object[], options: object, cb: Callback): void
  iterator(options: object): RocksIterator
  close(cb: Callback): void
}

const RocksDB = requirePeer<(location: string) => RocksDb>('rocksdb')

function call<T = void>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result as T))))
}

function nextEntry(it: RocksIterator): Promise<boolean> {
  return new Promise((resolve, reject) => it.next((err, key) => (err ? reject(err) : resolve(key !== undefined))))
}

export const openRocksDb: OpenEngine = async (dir) => {
  const db = RocksDB(dir)
  await call((cb) => db.open({ createIfMissing: true }, cb))
  const readOptions = { asBuffer: true, fillCache: true }
  return {
    put: (key, value, sync) => call((cb) => db.put(key, value, { sync }, cb)),
    batch: (entries) => call((cb) => db.batch(entries.map(([key, value]) => ({ type: 'put', key, value })), {}, cb)),
    get: (key) =>
      new Promise((resolve, reject) =>
        db.get(key, readOptions, (err, value) => {
          if (!err) resolve(value)
          else if (/NotFound/i.test(err.message)) resolve(undefined)
          else reject(err)
        }),
      ),
    async scan() {
      const it = db.iterator({ keyAsBuffer: true, valueAsBuffer: true })
      let n = 0
      while (await nextEntry(it)) n++
      await call((cb) => it.end(cb))
      return n
    },
    async seek(key, count) {
      const it = db.iterator({ gte: key, limit: count, keyAsBuffer: true, valueAsBuffer: true })
      let n = 0
      while (n < count && (await nextEntry(it))) n++
      await call((cb) => it.end(cb))
      return n
    },
    close: () => call((cb) => db.close(cb)),
  }
}
