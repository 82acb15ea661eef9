// load and export: newline-delimited JSON in and out, one {"key", "value"} object per line
// (strings, or {"hex": "..."} for binary bytes).

import type { Command } from 'commander'
import { createReadStream, createWriteStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { once } from 'node:events'
import { Shale } from '../../index.js'
import { progress } from '../progress.js'
import { withDb } from './data.js'

type JsonBytes = string | { hex: string }

function fromJson(x: unknown, what: string, line: number): Buffer {
  if (typeof x === 'string') return Buffer.from(x, 'utf8')
  if (typeof x === 'object' && x !== null && typeof (x as { hex?: unknown }).hex === 'string') return Buffer.from((x as { hex: string }).hex, 'hex')
  throw new Error(`Line ${line}: ${what} must be a string or {"hex": "..."}`)
}

function toJson(b: Buffer): JsonBytes {
  const text = b.toString('utf8')
  return Buffer.from(text, 'utf8').equals(b) ? text : { hex: b.toString('hex') }
}

const BATCH = 1000

export function registerTransfer(program: Command): void {
  program
    .command('load')
    .description('write the entries of a newline-delimited JSON file ({"key", "value"} per line) in atomic batches')
    .argument('<db>', 'database directory (created if missing)')
    .argument('<file>', 'input file, or - for standard input')
    .option('--json', 'print a JSON summary')
    .action(async (location: string, input: string, o: { json?: boolean }) => {
      const total = input === '-' ? 0 : statSync(input).size
      const stream = input === '-' ? process.stdin : createReadStream(input)
      const bar = progress('loading', total)
      const db = await Shale.open(location)
      let entries = 0
      let line = 0
      try {
        let batch: { type: 'put'; key: Buffer; value: Buffer }[] = []
        let bytes = 0
        for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
          line++
          bytes += Buffer.byteLength(text) + 1
          if (text.trim() === '') continue
          let row: { key?: unknown; value?: unknown }
          try {
            row = JSON.parse(text) as { key?: unknown; value?: unknown }
          } catch {
            throw new Error(`Line ${line}: not valid JSON`)
          }
          batch.push({ type: 'put', key: fromJson(row.key, 'key', line), value: fromJson(row.value, 'value', line) })
          if (batch.length >= BATCH) {
            await db.write(batch)
            entries += batch.length
            batch = []
            bar.update(bytes)
          }
        }
        if (batch.length > 0) await db.write(batch)
        entries += batch.length
        await db.flush()
      } finally {
        bar.stop()
        await db.close()
      }
      if (o.json) process.stdout.write(`${JSON.stringify({ entries })}\n`)
      else process.stderr.write(`loaded ${entries} entries\n`)
    })

  program
    .command('export')
    .description('write every entry as newline-delimited JSON ({"key", "value"} per line)')
    .argument('<db>', 'database directory')
    .option('-o, --output <file>', 'output file (default: standard output)')
    .action(async (location: string, o: { output?: string }) => {
      const out = o.output === undefined ? process.stdout : createWriteStream(o.output)
      await withDb(location, async (db) => {
        for (const [k, v] of db.iterator()) {
          if (!out.write(`${JSON.stringify({ key: toJson(k), value: toJson(v) })}\n`)) await once(out, 'drain')
        }
      })
      if (out !== process.stdout) {
        out.end()
        await once(out, 'finish')
      }
    })
}
