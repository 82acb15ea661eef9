// abstract-level's own test suite, run with tape inside the worker against ShaleLevel on
// OPFS, as test/level/abstract-suite.test.ts runs it on Node.

import tape from 'tape'
import suite from 'abstract-level/test'

/** `progress` hears each test's name as it starts, so a caller can tell a stuck test from a slow suite. */
export async function runLevelSuite(make: (location: string, options: object) => unknown, engineOptions: object, root: string, progress: (test: string) => void): Promise<{ tests: number; passed: number; failed: string[] }> {
  let n = 0
  const harness = tape.createHarness()
  const names = new Map<number, string>()
  const failed: string[] = []
  let passed = 0
  let tests = 0
  const done = new Promise<void>((resolve) => {
    const stream = harness.createStream({ objectMode: true })
    stream.on('data', (row) => {
      if (row.type === 'test' && row.id !== undefined) {
        names.set(row.id, row.name ?? '')
        tests++
        progress(row.name ?? '')
      }
      if (row.type === 'assert') {
        if (row.ok) passed++
        else failed.push(`${names.get(row.test ?? -1)}: ${row.name} (${row.operator}: expected ${String(row.expected)}, got ${String(row.actual)})`)
      }
    })
    stream.on('end', () => resolve())
  })
  suite({ test: harness, factory: (options?: object) => make(`${root}/${n++}`, { ...engineOptions, ...options }) })
  await done
  return { tests, passed, failed }
}
