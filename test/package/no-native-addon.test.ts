// The engine's install carries no native addon: after `npm ci` at the root, nothing under
// node_modules is a compiled addon (`*.node`) or the source of one (`binding.gyp`), and no
// locked package runs an install script (what compiles one on a machine without a
// prebuilt binary). The benchmark suite's native peers live in bench/package.json instead, and
// Bun and Deno (executables, with install scripts), which run the tests, in runtimes/package.json.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'

// Compiled to dist/test/package/, so the repository is three levels up.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** Every path under `dir` whose file name `match` accepts; symbolic links are not followed. */
function find(dir: string, match: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return find(path, match)
    return match(e.name) ? [relative(ROOT, path)] : []
  })
}

test('no native addon, compiled or to compile, is installed under node_modules', () => {
  const found = find(join(ROOT, 'node_modules'), (name) => name.endsWith('.node') || name === 'binding.gyp')
  assert.deepEqual(found, [])
})

test('no package in package-lock.json runs an install script', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> }
  const scripted = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript === true).map(([path]) => path)
  assert.deepEqual(scripted, [])
})

test('Bun and Deno are not in the engine\'s install: runtimes/package.json holds them, and nothing else', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }
  const runtimes = Object.keys(lock.packages).filter((path) => /node_modules\/(bun|deno|@oven\/[^/]+|@deno\/[^/]+)$/.test(path))
  assert.deepEqual(runtimes, [])
  const own = JSON.parse(readFileSync(join(ROOT, 'runtimes', 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }
  const others = Object.keys(own.packages).filter((path) => path !== '' && !/^node_modules\/(bun|deno|@oven\/bun-[^/]+|@deno\/[^/]+)$/.test(path))
  assert.deepEqual(others, [])
})
