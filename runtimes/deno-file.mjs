// What `deno test` runs for each test file (runtimes/run-tests.mjs names the file in
// SHALE_TEST_FILE): the file itself, then one more test that fails if anything escaped.
//
// Deno 2.9.6's node:test, once a file has called test(), drops what Node's runner counts as
// a failure of the file: an exception thrown at the module's top level after that call, an
// unhandled promise rejection, and an exception thrown from a timer or callback outside a
// test's own await chain. The file passes with exit code 0, and nothing is printed for the
// last two. Here each is caught (the import's rejection, the global 'error' and
// 'unhandledrejection' events, process 'uncaughtException') and reported by the last test.

import { pathToFileURL } from 'node:url'

const escaped = []
globalThis.addEventListener('unhandledrejection', (e) => void escaped.push(`unhandled rejection: ${e.reason?.stack ?? e.reason}`))
globalThis.addEventListener('error', (e) => void escaped.push(`uncaught exception: ${e.error?.stack ?? e.message}`))
process.on('uncaughtException', (e) => void escaped.push(`uncaught exception: ${e?.stack ?? e}`))

try {
  await import(pathToFileURL(process.env.SHALE_TEST_FILE).href)
} catch (e) {
  escaped.push(`the file threw while loading: ${e?.stack ?? e}`)
}

// run-tests.mjs knows this name: it keeps this test under --filter and does not count its pass.
Deno.test('(run-tests: nothing failed outside a test)', async () => {
  // A turn of the event loop, for anything a last test left queued.
  await new Promise((resolve) => setTimeout(resolve, 10))
  const failures = [...new Set(escaped)]
  if (failures.length > 0) throw new Error(`${failures.length} failure(s) outside any test:\n${failures.join('\n')}`)
})
