// `npm run bench:browser`: Shale against browser-level in headless Chromium, in one
// dedicated worker of one page (test/browser/pages/benchmark.ts), and the ratios for
// docs/benchmarks.md. SHALE_BENCH_COUNT sets the number of keys (default 100,000).

import { writeFileSync } from 'node:fs'
import { openBrowser, PageHarness } from './harness.js'
import type { BenchRow } from './pages/benchmark.js'

const count = Number(process.env.SHALE_BENCH_COUNT ?? 100_000)
const browser = await openBrowser()
try {
  const h = new PageHarness(browser.page)
  const w = await h.start()
  const version = await browser.page.evaluate(() => (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent, undefined)
  const rows = await h.call<BenchRow[]>(w, 'bench', { count })
  console.log(`${count.toLocaleString('en-US')} keys, 16-byte keys and 100-byte values, ${version}\n`)
  const workloads = [...new Set(rows.map((r) => r.workload))]
  const engines = [...new Set(rows.map((r) => r.engine))]
  const base = 'browser-level (IndexedDB)'
  console.log(`| workload | ${engines.join(' | ')} | shale/level ÷ browser-level |`)
  console.log(`|---|${engines.map(() => '---:').join('|')}|---:|`)
  for (const wl of workloads) {
    const at = (e: string): BenchRow | undefined => rows.find((r) => r.workload === wl && r.engine === e)
    const cells = engines.map((e) => `${Math.round(at(e)?.opsPerSec ?? 0).toLocaleString('en-US')} ops/s`)
    const ratio = (at('shale/level (OPFS)')?.opsPerSec ?? 0) / (at(base)?.opsPerSec ?? 1)
    console.log(`| ${wl} | ${cells.join(' | ')} | ${ratio.toFixed(1)}x |`)
  }
  writeFileSync('bench-results-browser.json', JSON.stringify({ count, userAgent: version, rows }, null, 2))
} finally {
  await browser.close()
}
