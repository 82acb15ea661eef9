// The peers (classic-level, rocksdb, lmdb) are native addons, so they live in a package of
// their own, bench/package.json, and never in the engine's install. This code runs from
// dist/bench/engines, where Node's resolution (walking up from the importing file) would
// never reach bench/node_modules, so peers are required from a require() anchored at
// bench/package.json: the one place that says where they are. Only engines in the peer
// list call this, and only in the child that measures them.

import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** bench/ in the repository: this file runs from dist/bench/engines. */
const BENCH = fileURLToPath(new URL('../../../bench/', import.meta.url))
const requireFromBench = createRequire(join(BENCH, 'package.json'))

function missing(name: string, err: unknown): Error {
  return new Error(`${name} is not installed in bench/node_modules: \`npm run bench\` installs the peers (or \`npm ci --prefix bench\`)`, { cause: err })
}

/** Loads a peer package (its CommonJS entry, which every peer has) from bench/node_modules. */
export function requirePeer<T>(name: string): T {
  try {
    return requireFromBench(name) as T
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw missing(name, err)
    throw err
  }
}

/** `name@version` of an installed peer. Read from the directory: not every peer exports its package.json. */
export function peerVersion(name: string): string {
  try {
    return `${name}@${(JSON.parse(readFileSync(join(BENCH, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`
  } catch (err) {
    throw missing(name, err)
  }
}
