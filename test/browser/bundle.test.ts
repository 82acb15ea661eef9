// What a user's bundler sees: `shale` and `shale/level`, imported by package name and bundled
// for the browser with esbuild, resolve to the browser entry and the browser side of the
// runtime seams, and pull in no node: module. (No browser needed; esbuild is browser-test's.)

import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { skipBrowser } from './harness.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const requireTool = createRequire(join(ROOT, 'browser-test', 'package.json'))

interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean }[] }>
}

test('a browser bundle of shale and shale/level takes the browser entry and no node: module', { skip: skipBrowser }, async () => {
  const esbuild = requireTool('esbuild') as { build(options: object): Promise<{ metafile: Metafile }> }
  const app = mkdtempSync(join(tmpdir(), 'shale-bundle-'))
  try {
    mkdirSync(join(app, 'node_modules'))
    symlinkSync(ROOT, join(app, 'node_modules', 'shale'), 'dir')
    writeFileSync(join(app, 'worker.js'), "import { Shale, OpfsFileSystem } from 'shale'\nimport { ShaleLevel } from 'shale/level'\nconsole.log(Shale, OpfsFileSystem, ShaleLevel)\n")
    const { metafile } = await esbuild.build({
      entryPoints: [join(app, 'worker.js')],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      preserveSymlinks: true,
      // The metafile's paths are relative to this: the app, not the test's working directory.
      absWorkingDir: app,
      logLevel: 'silent',
    })
    const inputs = Object.keys(metafile.inputs)
    const ours = inputs.filter((p) => p.startsWith('node_modules/shale/'))
    assert.ok(ours.includes('node_modules/shale/dist/src/browser.js'), 'the browser entry')
    assert.ok(ours.includes('node_modules/shale/dist/src/runtime/browser.js'), "the runtime seam's browser side")
    assert.ok(ours.includes('node_modules/shale/dist/src/db/browser-platform.js'), "the platform seam's browser side")
    for (const nodeOnly of ['runtime/node.js', 'db/node-platform.js', 'vfs/node-file-system.js', 'compaction/compaction-runner.js']) {
      assert.ok(!ours.includes(`node_modules/shale/dist/src/${nodeOnly}`), `${nodeOnly} is in the bundle`)
    }
    const nodeImports = Object.values(metafile.inputs).flatMap((i) => i.imports.filter((im) => im.path.startsWith('node:')).map((im) => im.path))
    assert.deepEqual(nodeImports, [])
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
})
