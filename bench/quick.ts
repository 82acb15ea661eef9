// `npm start`: a short db_bench-style run on a fresh database (the same job as `shale
// bench`). Options: --num N (keys, default 1,000,000), --dir PATH, --keep.

import { parseArgs } from 'node:util'
import { printBenchTable, runQuickBench } from '../src/cli/commands/bench.js'

const { values: args } = parseArgs({
  options: { num: { type: 'string', default: '1000000' }, dir: { type: 'string' }, keep: { type: 'boolean', default: false } },
})
const num = Number(args.num)
if (!Number.isInteger(num) || num <= 0) throw new Error(`--num must be a positive integer, got ${args.num}`)
process.stderr.write(`Shale quick benchmark: ${num.toLocaleString()} keys\n`)
const { rows, tree } = await runQuickBench({ num, ...(args.dir !== undefined ? { dir: args.dir } : {}), keep: args.keep })
console.log('')
printBenchTable(rows)
// Under Bun and Deno, process.version is the Node version they emulate: name the runtime itself.
const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } }
const runtime = g.Bun !== undefined ? `Bun ${g.Bun.version}` : g.Deno !== undefined ? `Deno ${g.Deno.version.deno}` : `Node ${process.version}`
console.log(`\nTree after the run: ${tree}. ${runtime}, ${process.platform}/${process.arch}.`)
