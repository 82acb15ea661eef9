// The layering rule as a test: a module may import only from its own layer's allowed
// set (docs/design.md#layers), no two modules of src/ or bench/ import each other in a
// circle, and neither reaches into the tests. TypeScript refuses none of this, so this does.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'

// Compiled to dist/test/, so the TypeScript sources are two levels up.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SRC = join(ROOT, 'src')
const BENCH = join(ROOT, 'bench')

/** Folder → folders it may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  '.': [], // src/errors.ts and src/index.ts are handled below
  util: [],
  vfs: ['util'],
  base: ['util', 'vfs'],
  wal: ['util', 'vfs', 'base'],
  memtable: ['util', 'base'],
  iterators: ['util', 'base'],
  table: ['util', 'vfs', 'base', 'iterators'],
  version: ['util', 'vfs', 'base', 'wal', 'table', 'iterators'],
  compaction: ['util', 'vfs', 'base', 'table', 'iterators', 'version'],
  db: ['util', 'vfs', 'base', 'wal', 'memtable', 'table', 'iterators', 'version', 'compaction'],
  level: ['.'], // the public surface, src/index.ts, only
  cli: ['.', 'util', 'vfs', 'base', 'wal', 'table', 'version'], // dump commands read files through the format layers
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' ? [] : e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** The modules a file imports by relative path (type-only and dynamic imports included), as source paths. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')))
}

test('no module imports from a higher layer', () => {
  const root = SRC
  const violations: string[] = []
  for (const file of sources(root)) {
    // cli/commands/ belongs to the cli layer.
    const folder = (relative(root, dirname(file)) || '.').split('/')[0]!
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(root, join(dirname(file), m[1]!))
      const targetFolder = target.includes('/') ? target.split('/')[0]! : '.'
      if (targetFolder === folder) continue
      if (targetFolder === '.' && target === 'errors.js') continue // errors.ts is layer 0
      if (targetFolder === '.' && target === 'index.js' && folder !== 'level' && !folder.startsWith('cli')) violations.push(`${relative(root, file)} imports the public surface`)
      if (folder === '.' && relative(root, file) === 'index.ts') continue // the public surface re-exports
      if (!(ALLOWED[folder] ?? []).includes(targetFolder)) violations.push(`${relative(root, file)} imports ${m[1]}`)
    }
  }
  assert.deepEqual(violations, [])
})

test('no import cycles among the modules of src/ and bench/', () => {
  const files = [...sources(SRC), ...sources(BENCH)]
  const graph = new Map(files.map((f) => [f, relativeImports(f).filter((t) => t !== f)]))
  const cycles: string[] = []
  // Depth-first search: an edge back to a module still on the path closes a cycle.
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(ROOT, f)).join(' -> '))
      else if (state.get(next) === undefined && graph.has(next)) visit(next)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const f of files) if (state.get(f) === undefined) visit(f)
  assert.deepEqual(cycles, [])
})

test('the engine never imports the benchmark or the tests, and the benchmark never imports the tests', () => {
  const violations: string[] = []
  for (const [files, forbidden] of [
    [sources(SRC), [BENCH, join(ROOT, 'test')]],
    // bench/test/ holds the peers' own test, which may use the test helpers.
    [sources(BENCH).filter((f) => !f.startsWith(join(BENCH, 'test'))), [join(ROOT, 'test')]],
  ] as const) {
    for (const file of files) {
      for (const target of relativeImports(file)) {
        if (forbidden.some((dir) => target.startsWith(`${dir}/`))) violations.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)}`)
      }
    }
  }
  assert.deepEqual(violations, [])
})
