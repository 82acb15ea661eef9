// The layering rule as a test: a module may import only from its own layer's allowed
// set (docs/design.md#layers), no two modules of src/ or bench/ import each other in a
// circle, and neither reaches into the tests; and nothing the browser entry reaches
// needs Node. TypeScript refuses none of this, so this does.

import assert from 'node:assert/strict'
import { builtinModules } from 'node:module'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'

// Compiled to dist/test/, so the TypeScript sources are two levels up.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SRC = join(ROOT, 'src')
const BENCH = join(ROOT, 'bench')
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { imports: Record<string, Record<string, string>> }

/**
 * The source file a `#name` import (package.json `imports`) resolves to under `condition`
 * ('browser', or 'default' for Node), or every file it may resolve to.
 */
function packageImport(spec: string, condition?: 'browser' | 'default'): string[] {
  const targets = PACKAGE.imports[spec]
  assert.ok(targets, `package.json imports has no ${spec}`)
  const chosen = condition === undefined ? Object.values(targets) : [targets[condition] ?? targets.default!]
  return chosen.map((t) => join(ROOT, t.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')))
}

/** The layer folder a `#name` import lives in. */
function packageImportFolder(spec: string): string {
  return relative(SRC, dirname(packageImport(spec, 'default')[0]!)).split('/')[0]!
}

/** Folder → folders it may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  '.': [], // src/errors.ts, src/index.ts and src/browser.ts are handled below
  runtime: [], // the host seam (#runtime): below everything, imports nothing of ours
  util: ['runtime'],
  vfs: ['runtime', 'util'],
  base: ['runtime', 'util', 'vfs'],
  wal: ['runtime', 'util', 'vfs', 'base'],
  memtable: ['runtime', 'util', 'base'],
  iterators: ['runtime', 'util', 'base'],
  table: ['runtime', 'util', 'vfs', 'base', 'iterators'],
  version: ['runtime', 'util', 'vfs', 'base', 'wal', 'table', 'iterators'],
  compaction: ['runtime', 'util', 'vfs', 'base', 'table', 'iterators', 'version'],
  db: ['runtime', 'util', 'vfs', 'base', 'wal', 'memtable', 'table', 'iterators', 'version', 'compaction'],
  level: ['.', 'runtime'], // the public surface, src/index.ts, and the host's byte helpers
  cli: ['.', 'runtime', 'util', 'vfs', 'base', 'wal', 'table', 'version'], // dump commands read files through the format layers
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' ? [] : e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** The modules a file imports by relative path or `#name` (type-only and dynamic imports included), as source paths. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:from|import\()\s*'([.#][^']+)'/g)].flatMap((m) =>
    m[1]!.startsWith('#') ? packageImport(m[1]!) : [resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))],
  )
}

test('no module imports from a higher layer', () => {
  const root = SRC
  const violations: string[] = []
  for (const file of sources(root)) {
    // cli/commands/ belongs to the cli layer.
    const folder = (relative(root, dirname(file)) || '.').split('/')[0]!
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/from '([.#][^']+)'/g)) {
      const target = m[1]!.startsWith('#') ? `${packageImportFolder(m[1]!)}/${m[1]}` : relative(root, join(dirname(file), m[1]!))
      const targetFolder = target.includes('/') ? target.split('/')[0]! : '.'
      if (targetFolder === folder) continue
      if (targetFolder === '.' && target === 'errors.js') continue // errors.ts is layer 0
      if (targetFolder === '.' && target === 'index.js' && folder !== 'level' && !folder.startsWith('cli')) violations.push(`${relative(root, file)} imports the public surface`)
      if (folder === '.' && (relative(root, file) === 'index.ts' || relative(root, file) === 'browser.ts')) continue // the public surfaces re-export
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

/** The modules a file's code needs at run time: value imports and re-exports, `import type` left out (erased). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs: string[] = []
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?'([^']+)'/gm)) if (m[1] === undefined) specs.push(m[2]!)
  for (const m of text.matchAll(/import\(\s*'([^']+)'/g)) specs.push(m[1]!)
  return specs
}

test('nothing reachable from the browser entries imports a node: module or uses Node globals', () => {
  const builtins = new Set(builtinModules)
  const entries = [join(SRC, 'browser.ts'), join(SRC, 'level', 'shale-level.ts')]
  const seen = new Set<string>()
  const problems: string[] = []
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
    // Buffer and process are Node globals; a browser has neither (Buffer as a type is fine).
    for (const g of code.matchAll(/\b(Buffer|process)\.(\w+)/g)) problems.push(`${relative(ROOT, file)} uses ${g[0]}`)
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('node:') || builtins.has(spec)) problems.push(`${relative(ROOT, file)} imports ${spec}`)
      else if (spec.startsWith('#')) packageImport(spec, 'browser').forEach(visit)
      else if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      else packages.add(spec)
    }
  }
  entries.forEach(visit)
  assert.deepEqual(problems, [])
  // Packages are the bundler's to resolve for the browser; only Level's may be there.
  assert.deepEqual([...packages].sort(), ['abstract-level'])
  // The check did follow the browser's side of the seams.
  assert.ok(seen.has(join(SRC, 'runtime', 'browser.ts')) && seen.has(join(SRC, 'db', 'browser-platform.ts')))
  assert.ok(!seen.has(join(SRC, 'vfs', 'node-file-system.ts')))
})
