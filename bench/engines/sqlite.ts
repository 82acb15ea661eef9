// better-sqlite3 (SQLite behind a synchronous Node addon), the local store many Node users
// pick: one `(key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID` table, so rows live in the
// primary key's B-tree ordered by the key's bytes, in WAL mode with prepared statements and
// otherwise SQLite's defaults (a 2 MB page cache). Every call runs on the JavaScript thread:
// the promises below settle at once, and the event loop waits for each statement.
//
// Durability: puts go through a connection with synchronous=NORMAL, whose commits reach the
// WAL file but are not fsynced (they survive a process crash, not a power loss). A put with
// `sync: true` goes through a second connection with synchronous=FULL, which fsyncs the WAL
// before its commit returns.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { countEntries, type BenchEngine, type OpenEngine } from './engine.js'
import { requirePeer } from './peer.js'

// The part of better-sqlite3's API used here, declared locally: the engine's build must not
// need the peer installed (bench/package.json holds it).
interface Statement {
  run(...params: unknown[]): unknown
  get(...params: unknown[]): unknown
  iterate(...params: unknown[]): IterableIterator<unknown>
  pluck(): Statement
}
interface Database {
  pragma(source: string): unknown
  exec(source: string): void
  prepare(source: string): Statement
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void
  close(): void
}
type DatabaseClass = new (file: string) => Database

function connect(Sqlite: DatabaseClass, file: string, synchronous: 'NORMAL' | 'FULL'): Database {
  const db = new Sqlite(file)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  return db
}

export const openSqlite: OpenEngine = async (dir) => {
  const Sqlite = requirePeer<DatabaseClass>('better-sqlite3')
  // SQLite creates its file, not the directory it is in.
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'kv.sqlite')
  const db = connect(Sqlite, file, 'NORMAL')
  db.exec('CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID')
  const syncDb = connect(Sqlite, file, 'FULL')
  const upsert = 'INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)'
  const put = db.prepare(upsert)
  const syncPut = syncDb.prepare(upsert)
  const get = db.prepare('SELECT value FROM kv WHERE key = ?').pluck()
  const scan = db.prepare('SELECT key, value FROM kv ORDER BY key')
  const seek = db.prepare('SELECT key, value FROM kv WHERE key >= ? ORDER BY key LIMIT ?')
  // One transaction per batch: one commit for all its rows.
  const putAll = db.transaction((entries: ReadonlyArray<readonly [string, Uint8Array]>) => {
    for (const [key, value] of entries) put.run(Buffer.from(key), value)
  })
  const engine: BenchEngine = {
    put: async (key, value, sync) => void (sync ? syncPut : put).run(Buffer.from(key), value),
    batch: async (entries) => putAll(entries),
    get: async (key) => (get.get(Buffer.from(key)) as Buffer | undefined) ?? undefined,
    scan: async () => countEntries(scan.iterate()),
    seek: async (key, count) => countEntries(seek.iterate(Buffer.from(key), count)),
    async close() {
      syncDb.close()
      db.close()
    },
  }
  return engine
}
