// The Node flags the compaction worker starts with. A worker inherits its parent's flags by
// default, and most of them describe the user's program, not ours: `--input-type` with
// `-e` makes the worker's own file fail to load, and `--import`/`--require`/`--loader`
// would run the user's preloads a second time, in a thread that never asked for them. The
// worker runs only Shale's compiled modules and Node built-ins, so it needs no flag at all;
// it keeps only diagnostics a user would expect to cover every thread. An allowlist, not a
// denylist: Node refuses a worker given a per-process or V8 flag (`--max-old-space-size`,
// `--expose-gc`), so passing through an unknown one could stop the worker from starting.

/** Flags kept, and whether each takes a value (as `--flag=value` or as the next argument). */
const KEPT: ReadonlyMap<string, boolean> = new Map([
  ['--enable-source-maps', false],
  ['--no-warnings', false],
  ['--no-deprecation', false],
  ['--trace-warnings', false],
  ['--trace-deprecation', false],
  ['--throw-deprecation', false],
  ['--pending-deprecation', false],
  ['--trace-uncaught', false],
  ['--unhandled-rejections', true],
  ['--cpu-prof', false],
  ['--cpu-prof-dir', true],
  ['--cpu-prof-interval', true],
  ['--heap-prof', false],
  ['--heap-prof-dir', true],
  ['--heap-prof-interval', true],
])

/** The subset of `parent` (the parent's `process.execArgv`) the worker is started with. */
export function workerExecArgv(parent: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i]!
    const eq = arg.indexOf('=')
    const name = eq < 0 ? arg : arg.slice(0, eq)
    const takesValue = KEPT.get(name)
    if (takesValue === undefined) continue
    kept.push(arg)
    // `--cpu-prof-dir /tmp/p`: the value is the next argument.
    if (takesValue && eq < 0 && i + 1 < parent.length) kept.push(parent[++i]!)
  }
  return kept
}
