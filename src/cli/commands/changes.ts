// `shale changes`: the change feed (db.changes) as newline-delimited JSON, one committed batch
// per line. It opens the store read-only, so it runs beside the application that writes it,
// and reads the logs that application keeps (its changesRetention option).

import type { Command } from 'commander'
import { ShaleError, type ChangeBatch } from '../../index.js'
import { withDb } from '../open-db.js'
import { toJson } from './transfer.js'

const CHANGES_HELP = `
Each line is one batch, whole, in commit order:
  {"sequence": 41, "operations": [{"type": "put", "key": "a", "value": "1"}, {"type": "del", "key": "b"}]}
"sequence" is the batch's first operation's; operation i has sequence + i. Keys and values are
strings, or {"hex": "..."} when they are not UTF-8. Without --since the output starts at the
oldest batch the logs still hold; a --since older than that fails with SEQUENCE_UNAVAILABLE
and names the sequences available. Without --follow it stops at the last batch written when
it started; with it, it keeps printing new batches until interrupted.`

/** Without --follow: when the logs yield nothing for this long, they hold nothing more. */
const QUIET_MS = 500

function line(b: ChangeBatch): string {
  const operations = b.operations.map((op) => {
    const o = op as { type: string; key?: Buffer; value?: Buffer; gte?: Buffer; lt?: Buffer }
    const out: Record<string, unknown> = { type: o.type }
    for (const f of ['key', 'value', 'gte', 'lt'] as const) if (o[f] !== undefined) out[f] = toJson(o[f])
    return out
  })
  return `${JSON.stringify({ sequence: b.sequence, operations })}\n`
}

function sinceArg(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new ShaleError('INVALID_ARGUMENT', `Invalid --since ${JSON.stringify(text)}: expected a sequence number`)
  return n
}

export function registerChanges(program: Command): void {
  program
    .command('changes')
    .description('print committed write batches from the change feed as newline-delimited JSON')
    .argument('<db>', 'database directory')
    .option('--since <sequence>', 'first sequence wanted (default: the oldest the logs hold)')
    .option('--follow', 'keep printing new batches until interrupted')
    .addHelpText('after', CHANGES_HELP)
    .action(async (location: string, o: { since?: string; follow?: boolean }) => {
      const asked = sinceArg(o.since)
      await withDb(location, async (db) => {
        const { firstSequence, lastSequence } = db.stats().changes
        const since = asked ?? firstSequence
        const stop = new AbortController()
        const interrupt = (): void => stop.abort()
        process.once('SIGINT', interrupt)
        process.once('SIGTERM', interrupt)
        // A reader that went away (`| head`) ends the feed, as an interrupt does.
        const closed = (err: NodeJS.ErrnoException): void => {
          if (err.code === 'EPIPE') stop.abort()
        }
        process.stdout.on('error', closed)
        let quiet: NodeJS.Timeout | undefined
        const idle = (): void => {
          if (o.follow) return
          clearTimeout(quiet)
          quiet = setTimeout(() => stop.abort(), QUIET_MS)
        }
        try {
          const feed = db.changes({ since, signal: stop.signal })
          if (!o.follow && since > lastSequence) return
          idle()
          for await (const b of feed) {
            if (stop.signal.aborted) break
            if (!process.stdout.write(line(b))) {
              await new Promise((resolve) => {
                process.stdout.once('drain', resolve)
                stop.signal.addEventListener('abort', resolve, { once: true })
              })
            }
            if (!o.follow && b.sequence + b.operations.length - 1 >= lastSequence) break
            idle()
          }
        } finally {
          clearTimeout(quiet)
          process.off('SIGINT', interrupt)
          process.off('SIGTERM', interrupt)
          process.stdout.off('error', closed)
        }
      })
    })
}
