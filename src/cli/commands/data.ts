// get, put, del, delete-range, scan: reading and writing entries from the command line.

import type { Command } from 'commander'
import { ShaleError, type IteratorOptions } from '../../index.js'
import { formatOption, parseBytes, printJson, showBytes, type ByteFormat } from '../format.js'
import { openFor, withDb } from '../open-db.js'

interface FormatOptions {
  format: ByteFormat
  json?: boolean
}

export function registerData(program: Command): void {
  program
    .command('get')
    .description('print the value of a key')
    .argument('<db>', 'database directory')
    .argument('<key>', 'the key')
    .addOption(formatOption('how keys and values are written'))
    .option('--json', 'print {"key", "value", "found"} as JSON')
    .action(async (location: string, key: string, o: FormatOptions) => {
      const value = await withDb(location, (db) => db.get(parseBytes(key, o.format)))
      if (o.json) printJson({ key, found: value !== undefined, value: value === undefined ? null : showBytes(value, o.format) })
      else if (value === undefined) throw new ShaleError('NOT_FOUND', `Key not found: ${key}`)
      else process.stdout.write(`${showBytes(value, o.format)}\n`)
    })

  program
    .command('put')
    .description('set a key to a value (synced to disk)')
    .argument('<db>', 'database directory (created if missing)')
    .argument('<key>', 'the key')
    .argument('<value>', 'the value')
    .addOption(formatOption('how key and value are written'))
    .action(async (location: string, key: string, value: string, o: FormatOptions) => {
      const db = await openFor(location, 'create')
      try {
        await db.put(parseBytes(key, o.format), parseBytes(value, o.format), { sync: true })
      } finally {
        await db.close()
      }
    })

  program
    .command('del')
    .description('delete a key (synced to disk)')
    .argument('<db>', 'database directory')
    .argument('<key>', 'the key')
    .addOption(formatOption('how the key is written'))
    .action(async (location: string, key: string, o: FormatOptions) => {
      await withDb(location, (db) => db.delete(parseBytes(key, o.format), { sync: true }), 'write')
    })

  program
    .command('delete-range')
    .description('delete every key k with gte <= k < lt in one write, a range tombstone (synced to disk)')
    .argument('<db>', 'database directory')
    .argument('<gte>', 'first key of the range (included)')
    .argument('<lt>', 'end of the range (excluded)')
    .addOption(formatOption('how the bounds are written'))
    .action(async (location: string, gte: string, lt: string, o: FormatOptions) => {
      await withDb(location, (db) => db.deleteRange(parseBytes(gte, o.format), parseBytes(lt, o.format), { sync: true }), 'write')
    })

  program
    .command('scan')
    .description('print entries in key order, one "key<TAB>value" per line')
    .argument('<db>', 'database directory')
    .option('--gt <key>', 'only keys greater than this')
    .option('--gte <key>', 'only keys greater than or equal to this')
    .option('--lt <key>', 'only keys less than this')
    .option('--lte <key>', 'only keys less than or equal to this')
    .option('-n, --limit <n>', 'at most this many entries', (v) => Number(v))
    .option('-r, --reverse', 'in reverse key order')
    .option('--keys-only', 'print keys only')
    .addOption(formatOption('how keys and values are written'))
    .option('--json', 'print newline-delimited JSON objects {"key", "value"}')
    .action(async (location: string, o: FormatOptions & { gt?: string; gte?: string; lt?: string; lte?: string; limit?: number; reverse?: boolean; keysOnly?: boolean }) => {
      const range: IteratorOptions = { reverse: o.reverse === true }
      for (const b of ['gt', 'gte', 'lt', 'lte'] as const) if (o[b] !== undefined) range[b] = parseBytes(o[b]!, o.format)
      if (o.limit !== undefined) range.limit = o.limit
      await withDb(location, async (db) => {
        for (const [k, v] of db.iterator(range)) {
          const key = showBytes(k, o.format)
          if (o.json) process.stdout.write(`${JSON.stringify(o.keysOnly ? { key } : { key, value: showBytes(v, o.format) })}\n`)
          else process.stdout.write(o.keysOnly ? `${key}\n` : `${key}\t${showBytes(v, o.format)}\n`)
        }
      })
    })
}
