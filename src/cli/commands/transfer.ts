// load and export: newline-delimited JSON in and out, one {"key", "value"} object per line
// (strings, or {"hex": "..."} for binary bytes). `load --sorted` bulk-loads input already in
// key order through db.ingest(), all or nothing.

import type { Command } from 'commander'
import { createReadStream, createWriteStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { once } from 'node:events'
import { ShaleError, type BatchOperation, type IngestEntry, type Shale } from '../../index.js'
import { CliFailure, describeFailure } from '../failure.js'
import { isHex } from '../format.js'
import { requireFile } from '../paths.js'
import { progress } from '../progress.js'
import { openFor, withDb } from '../open-db.js'

type JsonBytes = string | { hex: string }

function fromJson(x: unknown, what: string, line: number): Buffer {
  if (typeof x === 'string') return Buffer.from(x, 'utf8')
  if (typeof x === 'object' && x !== null && typeof (x as { hex?: unknown }).hex === 'string') {
    const hex = (x as { hex: string }).hex
    if (!isHex(hex)) throw new ShaleError('INVALID_ARGUMENT', `Line ${line}: ${what} {"hex": ${JSON.stringify(hex.slice(0, 40))}} is not pairs of hex digits`)
    return Buffer.from(hex, 'hex')
  }
  throw new ShaleError('INVALID_ARGUMENT', `Line ${line}: ${what} must be a string or {"hex": "..."}`)
}

export function toJson(b: Buffer): JsonBytes {
  const text = b.toString('utf8')
  return Buffer.from(text, 'utf8').equals(b) ? text : { hex: b.toString('hex') }
}

function parseLine(text: string, line: number): BatchOperation {
  return { type: 'put', ...parseRow(text, line) }
}

function parseRow(text: string, line: number): { key: Buffer; value: Buffer } {
  let row: { key?: unknown; value?: unknown }
  try {
    row = JSON.parse(text) as { key?: unknown; value?: unknown }
  } catch {
    throw new ShaleError('INVALID_ARGUMENT', `Line ${line}: not valid JSON`)
  }
  if (typeof row !== 'object' || row === null) throw new ShaleError('INVALID_ARGUMENT', `Line ${line}: expected an object {"key", "value"}`)
  return { key: fromJson(row.key, 'key', line), value: fromJson(row.value, 'value', line) }
}

const BATCH = 1000

/**
 * What a failed load leaves: every line before the one that failed is written, nothing from
 * it on, so the message can say exactly where to resume.
 */
function partialLoad(err: unknown, loaded: { entries: number; lines: number }, input: string, location: string): CliFailure {
  const { code, message } = describeFailure(err)
  const next = loaded.lines + 1
  const resume = input === '-' ? `resume from line ${next}` : `resume with: tail -n +${next} ${input} | shale load ${location} -`
  const done = loaded.lines === 0 ? 'nothing was loaded' : `lines 1-${loaded.lines} are loaded (${loaded.entries} entries) and nothing from line ${next} on; ${resume}`
  return new CliFailure(code, `${message}; ${done}`, { cause: err })
}

const LOAD_HELP = `
A load is not atomic; it writes in batches of ${BATCH} lines, in order. If it fails (a bad line,
a full disk), every line before the failing one is written and synced and nothing from it on,
and the error says which lines were loaded, so the load can resume from the line named.

With --sorted the keys must strictly ascend (compared bytewise, as the store orders them).
The entries then go straight to tables, skipping the log and the memtable, several times
faster, and the load is atomic: all of it becomes visible at once, or on any failure (a bad
or out-of-order line included) none of it. Loaded keys replace existing ones.`

/** `load --sorted`: the lines as ingest entries, in arrays of BATCH; each line is checked to follow the one before. */
async function* sortedEntries(lines: AsyncIterable<string>, onBytes: (bytes: number) => void): AsyncGenerator<IngestEntry[]> {
  let line = 0
  let bytes = 0
  let previous: Buffer | undefined
  let chunk: IngestEntry[] = []
  for await (const text of lines) {
    line++
    bytes += Buffer.byteLength(text) + 1
    if (text.trim() === '') continue
    const op = parseRow(text, line)
    if (previous !== undefined && Buffer.compare(op.key, previous) <= 0) {
      throw new ShaleError('INVALID_ARGUMENT', `Line ${line}: the key does not sort after the previous line's (--sorted needs strictly ascending keys, compared bytewise)`)
    }
    previous = op.key
    chunk.push({ key: op.key, value: op.value })
    if (chunk.length >= BATCH) {
      yield chunk
      chunk = []
      onBytes(bytes)
    }
  }
  if (chunk.length > 0) yield chunk
}

async function loadSorted(db: Shale, lines: AsyncIterable<string>, onBytes: (bytes: number) => void): Promise<number> {
  try {
    return (await db.ingest(sortedEntries(lines, onBytes))).entries
  } catch (err) {
    const { code, message } = describeFailure(err)
    throw new CliFailure(code, `${message}; nothing was loaded (a sorted load is all or nothing)`, { cause: err })
  }
}

export function registerTransfer(program: Command): void {
  program
    .command('load')
    .description('write the entries of a newline-delimited JSON file ({"key", "value"} per line); on failure, every line before the bad one is loaded (with --sorted: none)')
    .argument('<db>', 'database directory (created if missing)')
    .argument('<file>', 'input file, or - for standard input')
    .option('--json', 'print a JSON summary')
    .option('--sorted', 'the keys strictly ascend: bulk-load straight to tables, all or nothing')
    .addHelpText('after', LOAD_HELP)
    .action(async (location: string, input: string, o: { json?: boolean; sorted?: boolean }) => {
      if (input !== '-') requireFile(input, 'load')
      const total = input === '-' ? 0 : statSync(input).size
      const stream = input === '-' ? process.stdin : createReadStream(input)
      const bar = progress('loading', total)
      const db = await openFor(location, 'create')
      if (o.sorted) {
        let entries: number
        try {
          entries = await loadSorted(db, createInterface({ input: stream, crlfDelay: Infinity }), (bytes) => bar.update(bytes))
        } finally {
          bar.stop()
          await db.close()
        }
        if (o.json) process.stdout.write(`${JSON.stringify({ entries })}\n`)
        else process.stderr.write(`loaded ${entries} entries\n`)
        return
      }
      const loaded = { entries: 0, lines: 0 }
      let line = 0
      let batch: BatchOperation[] = []
      const writeBatch = async (lastLine: number): Promise<void> => {
        if (batch.length > 0) await db.write(batch)
        loaded.entries += batch.length
        loaded.lines = lastLine
        batch = []
      }
      try {
        let bytes = 0
        for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
          line++
          bytes += Buffer.byteLength(text) + 1
          if (text.trim() !== '') {
            let op: BatchOperation
            try {
              op = parseLine(text, line)
            } catch (err) {
              // Keep the promise the help makes: the lines before this one are all written.
              await writeBatch(line - 1)
              throw err
            }
            batch.push(op)
          }
          if (batch.length >= BATCH) {
            await writeBatch(line)
            bar.update(bytes)
          }
        }
        await writeBatch(line)
        await db.flush()
      } catch (err) {
        // Thrown after the finally below has closed (and so synced) the store.
        throw partialLoad(err, loaded, input, location)
      } finally {
        bar.stop()
        await db.close()
      }
      if (o.json) process.stdout.write(`${JSON.stringify({ entries: loaded.entries })}\n`)
      else process.stderr.write(`loaded ${loaded.entries} entries\n`)
    })

  program
    .command('export')
    .description('write every entry as newline-delimited JSON ({"key", "value"} per line)')
    .argument('<db>', 'database directory')
    .option('-o, --output <file>', 'output file (default: standard output)')
    .action(async (location: string, o: { output?: string }) => {
      const out = o.output === undefined ? process.stdout : createWriteStream(o.output)
      // An output that cannot be opened fails here, as one error line, not an unhandled event.
      if (out !== process.stdout) await once(out, 'open')
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
