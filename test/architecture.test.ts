// The layering rule as a test: a module may import only from its own layer's allowed
// set (docs/design.md#layers). TypeScript does not refuse upward or circular imports, so
// this does.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'

// Compiled to dist/test/, so the TypeScript sources are two levels up.
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src')

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
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
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
