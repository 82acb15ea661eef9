// The benchmark suite end to end with its native peers, at a tiny size: every engine and
// workload runs in its own child process and the results file and the report come out. A
// check that the suite works, never a measurement. Not part of `npm test` (the engine's
// tests load no native addon): `npm run test:bench` installs bench/package.json and runs it.

import { test } from 'node:test'
import { ENGINES } from '../engines/index.js'
import { checkSuiteEndToEnd } from '../../test/helpers/bench-suite.js'

test('bench: every engine runs every workload it supports, and the report is written', { timeout: 600_000 }, async () => {
  await checkSuiteEndToEnd(ENGINES, [], ['classic-level@3.'])
})
