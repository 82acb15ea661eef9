// Runs test pages in a real headless Chromium: bundles test/browser/pages/ (compiled to
// dist/test/browser/pages/) with esbuild under the `browser` condition, serves the bundle
// from a static server on localhost (a secure context, as OPFS requires), and drives the
// browser with playwright-core. Neither tool is in the engine's install: they live in
// browser-test/package.json (esbuild runs an install script), required from there as
// bench/ requires its peers. The browser is the system's Chromium (Debian's package),
// never a download.
//
// Without Chromium the tests fail, since CI installs it (.ci/run); SHALE_SKIP_BROWSER=1
// skips them on purpose, on a machine that cannot have one.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository: this file runs from dist/test/browser. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TOOLS = join(ROOT, 'browser-test')
const PAGES = join(ROOT, 'dist', 'test', 'browser', 'pages')
const requireTool = createRequire(join(TOOLS, 'package.json'))

/** Set when the browser tests are skipped on purpose: why. */
export const skipBrowser: string | false = process.env.SHALE_SKIP_BROWSER === '1' ? 'SHALE_SKIP_BROWSER=1 is set' : false

export const CHROMIUM = process.env.SHALE_CHROMIUM ?? '/usr/bin/chromium'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

function tool<T>(name: string): T {
  try {
    return requireTool(name) as T
  } catch (err) {
    throw new Error(`${name} is not installed in browser-test/node_modules: run \`npm ci --prefix browser-test\` (npm test and npm run test:browser do)`, { cause: err })
  }
}

interface Esbuild {
  build(options: object): Promise<{ errors: unknown[] }>
}

/** Playwright's API, as far as the tests use it. */
export interface Page {
  goto(url: string): Promise<unknown>
  reload(): Promise<unknown>
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>
  waitForFunction(fn: string, arg?: unknown, options?: { timeout?: number }): Promise<unknown>
  on(event: 'console' | 'pageerror', fn: (m: { text?: () => string; message?: string }) => void): void
}

interface Context {
  newPage(): Promise<Page>
  pages(): Page[]
  close(): Promise<void>
}

interface Playwright {
  chromium: { launchPersistentContext(userDataDir: string, options: object): Promise<Context> }
}

let bundled: Promise<string> | undefined

/** Bundles the pages once per process into a temporary directory; resolves with it. */
export function bundlePages(): Promise<string> {
  return (bundled ??= bundle())
}

async function bundle(): Promise<string> {
  const esbuild = tool<Esbuild>('esbuild')
  const out = mkdtempSync(join(tmpdir(), 'shale-pages-'))
  // tape reads `process` (env, nextTick) as a global; the npm `process` package stands in.
  const shim = join(out, 'process-shim.js')
  writeFileSync(shim, `import process from ${JSON.stringify(requireTool.resolve('process/browser.js'))}\nexport { process }\n`)
  await esbuild.build({
    entryPoints: { page: join(PAGES, 'page.js'), worker: join(PAGES, 'worker.js') },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    conditions: ['browser'],
    // tape's and abstract-level's Node modules, from browser-test's stand-ins.
    nodePaths: [join(TOOLS, 'node_modules')],
    alias: { stream: 'stream-browserify', path: 'path-browserify' },
    inject: [shim],
    define: { global: 'globalThis' },
    logLevel: 'error',
    sourcemap: 'inline',
  })
  writeFileSync(join(out, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<title>Shale</title>\n<script type="module" src="./page.js"></script>\n')
  return out
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' }

/** Serves `dir` on a free port of 127.0.0.1 (localhost: a secure context). */
export async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)).replace(/^(\.\.[/\\])+/, '')
    const file = join(dir, path === '/' ? 'index.html' : path)
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
    res.end(readFileSync(file))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://localhost:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

export interface Browser {
  page: Page
  url: string
  /** Opens the page anew (OPFS persists: same profile). */
  reload(): Promise<void>
  close(): Promise<void>
}

/** Launches Chromium with a fresh profile (so a fresh OPFS) and opens the test page. */
export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it (apt-get install -y chromium, as .ci/run does), point SHALE_CHROMIUM at it, or set SHALE_SKIP_BROWSER=1 to skip the browser tests`)
  }
  const { chromium } = tool<Playwright>('playwright-core')
  const dir = await bundlePages()
  const server = await serve(dir)
  const profile = mkdtempSync(join(tmpdir(), 'shale-chromium-'))
  mkdirSync(profile, { recursive: true })
  let context: Context
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 })
  } catch (err) {
    await server.close()
    rmSync(profile, { recursive: true, force: true })
    throw err
  }
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`))
  page.on('console', (m) => {
    const t = m.text?.() ?? ''
    if (/error|fail/i.test(t) && !/favicon|Failed to load resource/.test(t)) console.error(`page console: ${t}`)
  })
  const ready = async (): Promise<void> => {
    await page.waitForFunction('globalThis.harness !== undefined', undefined, { timeout: 30_000 })
  }
  await page.goto(server.url)
  await ready()
  return {
    page,
    url: server.url,
    reload: async () => {
      await page.reload()
      await ready()
    },
    close: async () => {
      await context.close()
      await server.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** The harness page's API (pages/page.ts), called from Node. */
export class PageHarness {
  constructor(readonly page: Page) {}

  start(): Promise<number> {
    return this.page.evaluate(() => (globalThis as unknown as { harness: { start(): Promise<number> } }).harness.start(), undefined)
  }

  call<T>(worker: number, op: string, args: Record<string, unknown> = {}): Promise<T> {
    return this.page.evaluate(
      ([w, o, a]) => (globalThis as unknown as { harness: { call(w: number, o: string, a: object): Promise<T> } }).harness.call(w, o, a),
      [worker, op, args] as const,
    )
  }

  launch(worker: number, op: string, args: Record<string, unknown> = {}): Promise<void> {
    return this.page.evaluate(
      ([w, o, a]) => (globalThis as unknown as { harness: { launch(w: number, o: string, a: object): void } }).harness.launch(w, o, a),
      [worker, op, args] as const,
    )
  }

  events<T>(worker: number): Promise<T[]> {
    return this.page.evaluate((w) => (globalThis as unknown as { harness: { events(w: number): T[] } }).harness.events(w), worker)
  }

  terminate(worker: number): Promise<void> {
    return this.page.evaluate((w) => (globalThis as unknown as { harness: { terminate(w: number): void } }).harness.terminate(w), worker)
  }

  openOnPage(): Promise<{ code: string | undefined; message: string }> {
    return this.page.evaluate(() => (globalThis as unknown as { harness: { openOnPage(): Promise<{ code: string | undefined; message: string }> } }).harness.openOnPage(), undefined)
  }
}
