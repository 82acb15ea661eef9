// Mirrors one Shale store into another through the change feed, and resumes where it stopped.
//
//   node dist/examples/mirror.js <source> <mirror> [--follow]
//
// The source is read through a read-only handle, so this runs beside the application that
// writes it; that application opens the source with `changesRetention` (say { bytes: 1 << 30 })
// so the logs this program has not read yet are still there when it (re)starts.
//
// The point is the resume. Each batch from the feed is written to the mirror together with the
// sequence it ends at, under one reserved key, in ONE db.write(): a batch is atomic, so after a
// crash (kill -9, power cut) the mirror holds exactly the batches up to the sequence it records,
// never a batch without its sequence or the reverse. On start the program reads that sequence
// and asks the feed for what follows it. Nothing is applied twice and nothing is skipped,
// whatever moment the process died at, and the writes need no sync (a kill -9 may lose the last
// few, and with them their recorded sequence, so they are simply fetched again).
//
// A new mirror starts from sequence 1, which the source's logs hold only if it kept them from
// its first write; otherwise seed the mirror from a copy of the source first (a checkpoint, or
// `shale export` then `shale load --sorted`), write the source's lastSequence at that moment
// under APPLIED_KEY, and start this from there. docs/scaling.md walks through it.

import { pathToFileURL } from 'node:url'
import { Shale, ShaleError, type BatchOperation } from '../src/index.js'

/** Where the mirror records the last sequence it applied. The source must not use this key. */
export const APPLIED_KEY = '\u0000mirror:applied-sequence'

/** The last source sequence the mirror holds (0 for a new mirror). */
export async function appliedSequence(mirror: Shale): Promise<number> {
  const v = await mirror.get(APPLIED_KEY)
  return v === undefined ? 0 : Number(v.toString())
}

export interface MirrorOptions {
  /** Stops the mirror (it ends quietly after the batch it is applying). */
  signal?: AbortSignal
  /** Called after each batch is applied, with the sequence the mirror now holds. */
  onApplied?: (sequence: number) => void
}

/**
 * Applies the source's changes to the mirror from where the mirror left off, until `signal`
 * aborts. Throws SEQUENCE_UNAVAILABLE when the source no longer keeps the batches the mirror
 * needs next (it must be seeded again).
 */
export async function mirror(source: Shale, target: Shale, options: MirrorOptions = {}): Promise<void> {
  const since = (await appliedSequence(target)) + 1
  const feed = source.changes({ since, ...(options.signal === undefined ? {} : { signal: options.signal }) })
  for await (const batch of feed) {
    const last = batch.sequence + batch.operations.length - 1
    const ops: BatchOperation[] = [...batch.operations, { type: 'put', key: APPLIED_KEY, value: String(last) }]
    await target.write(ops)
    options.onApplied?.(last)
  }
}

async function main(): Promise<void> {
  const [sourceDir, mirrorDir, flag] = process.argv.slice(2)
  if (sourceDir === undefined || mirrorDir === undefined) {
    process.stderr.write('usage: mirror <source> <mirror> [--follow]\n')
    process.exitCode = 2
    return
  }
  const source = await Shale.open(sourceDir, { readOnly: true })
  const target = await Shale.open(mirrorDir)
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  process.once('SIGTERM', () => stop.abort())
  // Without --follow: stop once the mirror holds what the source had when this started.
  const until = source.stats().changes.lastSequence
  try {
    if (flag !== '--follow' && (await appliedSequence(target)) >= until) return
    await mirror(source, target, {
      signal: stop.signal,
      onApplied: (sequence) => {
        if (flag !== '--follow' && sequence >= until) stop.abort()
      },
    })
    process.stderr.write(`mirror holds the source up to sequence ${await appliedSequence(target)}\n`)
  } catch (err) {
    if (!(err instanceof ShaleError && err.code === 'SEQUENCE_UNAVAILABLE')) throw err
    process.stderr.write(`${err.message}\nThe mirror is too far behind: seed it again from a copy of the source.\n`)
    process.exitCode = 1
  } finally {
    await target.close()
    await source.close()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
