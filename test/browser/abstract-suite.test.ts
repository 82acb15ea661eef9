// abstract-level's own test suite against shale/level in headless Chromium, in a dedicated
// worker on OPFS (as test/level/abstract-suite.test.ts runs it on Node), with default
// options and with a tiny memtable and blocks so flushes, compactions and table reads run.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { openBrowser, PageHarness, skipBrowser, type Browser } from './harness.js'

/** A test that makes no progress for this long is stuck (the whole suite takes about a minute). */
const STUCK_MS = Number(process.env.SHALE_STUCK_MS ?? 60_000)

describe('browser: abstract-level suite (Chromium, dedicated worker, OPFS)', { skip: skipBrowser }, () => {
  let browser: Browser
  let h: PageHarness

  before(async () => {
    browser = await openBrowser()
    h = new PageHarness(browser.page)
  })

  after(async () => {
    await browser?.close()
  })

  for (const [name, options] of [
    ['default options', {}],
    ['tiny memtable and blocks', { memtableSize: 1024, blockSize: 64, l1TargetSize: 4096, targetFileSize: 2048 }],
  ] as const) {
    if (process.env.SHALE_SUITE_ONLY !== undefined && !name.startsWith(process.env.SHALE_SUITE_ONLY)) continue
    test(`abstract-level suite passes in full in the browser (${name})`, async () => {
      const w = await h.start()
      // Each run in directories of its own: the previous run's worker left half its stores open.
      await h.launch(w, 'levelSuite', { options, root: `/level-suite/${name.replaceAll(' ', '-')}` })
      // Polled, so that a test that never ends fails here with its name rather than hanging.
      let seen = 0
      let lastProgress = Date.now()
      let last = ''
      let outcome: { tests: number; passed: number; failed: string[] } | undefined
      while (outcome === undefined) {
        await new Promise((r) => setTimeout(r, 200))
        const events = await h.events<{ test?: string; failed?: string; result?: { tests: number; passed: number; failed: string[] } }>(w)
        const failure = events.find((e) => e.failed !== undefined)
        assert.equal(failure, undefined, `the suite stopped: ${failure?.failed}`)
        outcome = events.find((e) => e.result !== undefined)?.result
        if (events.length > seen) {
          seen = events.length
          lastProgress = Date.now()
          last = [...events].reverse().find((e) => e.test !== undefined)?.test ?? last
        }
        if (Date.now() - lastProgress >= STUCK_MS) console.log(JSON.stringify(await h.call(w, 'debug'), null, 1))
        assert.ok(Date.now() - lastProgress < STUCK_MS, `no test finished for ${STUCK_MS / 1000} s; the last one started: ${last}`)
      }
      const { tests, passed, failed } = outcome
      console.log(`abstract-level suite in the browser, ${name}: ${tests} tests, ${passed} assertions passed, ${failed.length} failed`)
      assert.deepEqual(failed, [])
      assert.ok(passed > 1000, `only ${passed} assertions ran`)
      await h.terminate(w)
    })
  }
})
