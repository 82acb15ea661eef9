// Shale in a real headless Chromium, in a dedicated Web Worker, on the origin private file
// system (harness.ts says how): the model-based randomized test, persistence across a page
// reload, a worker terminated in the middle of sync writes, the bounded wait then LOCKED,
// and the typed error on the page's own thread. abstract-suite.test.ts beside this runs
// abstract-level's suite there. `npm run test:browser` runs these alone.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { openBrowser, PageHarness, skipBrowser, type Browser } from './harness.js'

/** Model sequences in the browser: fewer than on Node (1,000 in memory, 10 on disk), each as long as Node's on-disk ones. */
const MODEL_SEQUENCES = Number(process.env.SHALE_BROWSER_MODEL_SEQUENCES ?? 8)
const MODEL_LENGTH = 300

describe('browser (Chromium, dedicated worker, OPFS)', { skip: skipBrowser }, () => {
  let browser: Browser
  let h: PageHarness

  before(async () => {
    browser = await openBrowser()
    h = new PageHarness(browser.page)
  })

  after(async () => {
    await browser?.close()
  })

  test(`model: ${MODEL_SEQUENCES} random sequences on OPFS agree with a sorted map`, async () => {
    const w = await h.start()
    const seeds = Array.from({ length: MODEL_SEQUENCES }, (_, i) => 200_000 + i)
    const seen = await h.call<{ sequences: number; compactions: number; multiLevelTrees: number; checkedReads: number }>(w, 'model', { seeds, length: MODEL_LENGTH })
    console.log(`model in the browser: ${seen.sequences} sequences, ${seen.checkedReads} reads checked, ${seen.compactions} compactions, ${seen.multiLevelTrees} multi-level trees`)
    assert.equal(seen.sequences, seeds.length)
    assert.ok(seen.checkedReads > seeds.length * 50, `only ${seen.checkedReads} reads checked`)
    assert.ok(seen.compactions >= seeds.length, `only ${seen.compactions} compactions`)
    assert.ok(seen.multiLevelTrees > 0, 'no sequence ended with more than one level')
    await h.terminate(w)
  })

  test('a store survives a page reload: after a clean close, and with the worker still writing', async () => {
    let w = await h.start()
    const closed = await h.call<{ files: number }>(w, 'fill', { location: '/reload/closed', count: 3000, syncEvery: 100, close: true })
    assert.ok(closed.files > 1, `only ${closed.files} tables: flushes and compactions did not run`)
    // The second store is left open: the reload ends its worker as the page goes away.
    await h.call(w, 'fill', { location: '/reload/open', count: 3000, syncEvery: 1, close: false })
    await browser.reload()
    w = await h.start()
    for (const location of ['/reload/closed', '/reload/open']) {
      const { entries } = await h.call<{ entries: [string, string][] }>(w, 'readAll', { location })
      const map = new Map(entries)
      assert.equal(map.size, 3001, `${location}: ${map.size} entries`)
      for (let i = 0; i < 3000; i++) assert.equal(map.get(`key-${String(i).padStart(6, '0')}`), `value-${i}-${'x'.repeat(i % 50)}`, `${location}: key ${i}`)
      assert.equal(map.get('last'), '2999')
    }
    await h.terminate(w)
  })

  test("a worker terminated in the middle of sync writes: every acknowledged write is there, the state is a prefix, and the reopen gets the dead worker's handles once the browser lets go", async () => {
    for (let round = 0; round < 3; round++) {
      const location = `/terminated/${round}`
      const writer = await h.start()
      await h.launch(writer, 'syncWriter', { location })
      // Let it write for a while (flushes and compactions happen at this size), then kill it mid-write.
      const want = 150 + round * 150
      const deadline = Date.now() + 60_000
      let acked = -1
      while (acked < want && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20))
        const events = await h.events<{ acked?: number; failed?: string }>(writer)
        const failed = events.find((e) => e.failed !== undefined)
        assert.equal(failed, undefined, `the writer failed: ${failed?.failed}`)
        acked = Math.max(acked, ...events.map((e) => e.acked ?? -1))
      }
      assert.ok(acked >= want, `only ${acked + 1} writes acknowledged`)
      await h.terminate(writer)
      // Acknowledgements in flight when it died may still count: take the latest seen.
      const events = await h.events<{ acked?: number }>(writer)
      acked = Math.max(acked, ...events.map((e) => e.acked ?? -1))

      const reader = await h.start()
      const { entries, openMs } = await h.call<{ entries: [string, string][]; openMs: number }>(reader, 'readAll', { location })
      const map = new Map(entries)
      const latest = Number(map.get('latest'))
      assert.ok(latest >= acked, `latest ${latest} < acknowledged ${acked}`)
      // A prefix of the history: seq-0 .. seq-latest, nothing after, each batch whole.
      for (let i = 0; i <= latest; i++) assert.equal(map.get(`seq-${String(i).padStart(6, '0')}`), `v${i}-${'y'.repeat(i % 200)}`, `round ${round}: write ${i} of ${latest}`)
      assert.equal(map.size, latest + 2, `round ${round}: entries beyond the prefix`)
      console.log(`terminated worker, round ${round}: ${acked + 1} acknowledged, ${latest + 1} recovered, reopen took ${Math.round(openMs)} ms`)
      await h.terminate(reader)
    }
  })

  test('while a worker holds a store, another waits for the lock timeout, then gets LOCKED', async () => {
    const holder = await h.start()
    await h.launch(holder, 'syncWriter', { location: '/locked' })
    const deadline = Date.now() + 30_000
    while (!(await h.events<{ opened?: boolean }>(holder)).some((e) => e.opened) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const other = await h.start()
    const result = await h.call<{ code: string | undefined; message: string; ms: number }>(other, 'openLocked', { location: '/locked', lockTimeoutMs: 700 })
    assert.equal(result.code, 'LOCKED', result.message)
    assert.ok(result.ms >= 650, `gave up after ${result.ms} ms, before the timeout`)
    assert.ok(result.ms < 5000, `took ${result.ms} ms`)
    await h.terminate(holder)
    await h.terminate(other)
  })

  test("on the page's own thread, open fails with UNSUPPORTED and says a dedicated worker is needed", async () => {
    const { code, message } = await h.openOnPage()
    assert.equal(code, 'UNSUPPORTED', message)
    assert.match(message, /dedicated Web Worker/)
  })
})
