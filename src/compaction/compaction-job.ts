// Runs one compaction: merges the input tables, keeps what CompactionIterator lets through,
// and writes it as new tables of the next level, cut at the target file size (and where an
// output would overlap too much of the level below it). It yields to the event loop between
// slices so foreground reads and writes keep flowing, and returns the version edit; the
// caller makes it durable.

import type { ResolvedOptions } from '../base/options.js'
import type { InternalIterator } from '../base/internal-iterator.js'
import { MergingIterator } from '../iterators/merging-iterator.js'
import { KeyHolder, compareBytes } from '../util/bytes.js'
import { TimeSlicer } from '../util/time-slicer.js'
import type { TableCache } from '../table/table-cache.js'
import { fileContains, fileOverlaps, type FileMetadata } from '../version/file-metadata.js'
import { RangeTombstoneSet, type RangeTombstone } from '../base/range-tombstones.js'
import { LevelIterator } from '../version/level-iterator.js'
import { emptyEdit, type VersionEdit } from '../version/version-edit.js'
import type { FileSystem } from '../vfs/file-system.js'
import { CompactionIterator, type DropCounts } from './compaction-iterator.js'
import { maxGrandparentOverlap, totalBytes, type CompactionTask } from './compaction-picker.js'
import { OutputSplitter } from './output-splitter.js'

export interface CompactionEnvironment {
  dir: string
  fs: FileSystem
  tables: TableCache
  options: ResolvedOptions
  /**
   * Files of the levels below the output level, in the version the task was picked from:
   * a tombstone may be dropped only for keys none of them can hold.
   */
  deeperLevels: readonly (readonly FileMetadata[])[]
  snapshots: readonly number[]
  /** Hands out a file number and protects the file from obsolete-file deletion. */
  newOutputNumber: () => number
}

export interface CompactionResult {
  edit: VersionEdit
  outputs: FileMetadata[]
  bytesRead: number
  bytesWritten: number
  drops: DropCounts
}

export async function runCompaction(task: CompactionTask, env: CompactionEnvironment): Promise<CompactionResult> {
  const edit = emptyEdit()
  for (const f of task.inputs) edit.deletedFiles.push({ level: task.level, number: f.number })
  for (const f of task.nextInputs) edit.deletedFiles.push({ level: task.outputLevel, number: f.number })
  const bytesRead = totalBytes(task.inputs) + totalBytes(task.nextInputs)
  const drops: DropCounts = { shadowed: 0, tombstones: 0 }

  if (task.trivialMove) {
    edit.newFiles.push({ level: task.outputLevel, file: task.inputs[0]! })
    return { edit, outputs: [task.inputs[0]!], bytesRead: 0, bytesWritten: 0, drops }
  }

  // Sources newest first: each L0 file alone (they overlap), then the sorted levels.
  const sources: InternalIterator[] =
    task.level === 0 ? task.inputs.map((f) => new LevelIterator([f], env.tables)) : [new LevelIterator(task.inputs, env.tables)]
  if (task.nextInputs.length > 0) sources.push(new LevelIterator(task.nextInputs, env.tables))
  const input = new MergingIterator(sources)
  const isBottom = (key: Uint8Array): boolean => env.deeperLevels.every((files) => !files.some((f) => fileContains(f, key)))
  const inputTombstones = readRangeTombstones([...task.inputs, ...task.nextInputs], env.tables)
  const survivors = new CompactionIterator(input, env.snapshots, isBottom, inputTombstones)

  const splitter = new OutputSplitter(env.fs, env.dir, env.options, () => env.newOutputNumber())
  if (inputTombstones !== undefined) {
    const kept = survivingTombstones(inputTombstones, survivors, env.deeperLevels)
    drops.tombstones += inputTombstones.tombstones().length - kept.length
    splitter.setRangeTombstones(kept)
  }
  let outputs: FileMetadata[] = []
  // The last user key written, copied into a reused buffer (no allocation per key).
  const lastKeyHolder = new KeyHolder()
  let lastKey: Uint8Array | undefined
  // Grandparent overlap of the current output, to cut it before later compactions get big.
  let gpIndex = 0
  let gpOverlap = 0
  let gpSeenKey = false
  const gpLimit = maxGrandparentOverlap(env.options)

  try {
    input.seekToFirst()
    const slicer = new TimeSlicer()
    for (let e = survivors.next(); e !== undefined; e = survivors.next()) {
      const newUserKey = lastKey === undefined || compareBytes(e.key, lastKey) !== 0
      if (newUserKey) {
        // Advance past grandparent files that end before this key.
        while (gpIndex < task.grandparents.length && compareBytes(e.key, task.grandparents[gpIndex]!.largestKey) > 0) {
          if (gpSeenKey) gpOverlap += task.grandparents[gpIndex]!.size
          gpIndex++
        }
        gpSeenKey = true
        // Cut only between user keys: a key's versions must stay in one file of a sorted level.
        if (splitter.open && (splitter.full || gpOverlap > gpLimit)) {
          await splitter.cut()
          gpOverlap = 0
        }
        lastKey = lastKeyHolder.set(e.key)
      }
      splitter.add(e.key, e.seq, e.kind, e.value)
      // Only await when a slice is over: an await per entry costs a microtask each.
      const pause = slicer.tick()
      if (pause !== undefined) await pause
    }
    outputs = await splitter.finish()
    if (outputs.length > 0) await env.fs.syncDir(env.dir)
  } catch (err) {
    splitter.abandon()
    throw err
  } finally {
    input.close()
  }
  drops.shadowed = survivors.drops.shadowed
  drops.tombstones += survivors.drops.tombstones
  for (const file of outputs) edit.newFiles.push({ level: task.outputLevel, file })
  return { edit, outputs, bytesRead, bytesWritten: totalBytes(outputs), drops }
}

/** The range tombstones of the input tables, fragmented together; undefined when none has any. */
function readRangeTombstones(files: readonly FileMetadata[], tables: TableCache): RangeTombstoneSet | undefined {
  const list: RangeTombstone[] = []
  for (const f of files) if ((f.rangeDeletions ?? 0) > 0) list.push(...tables.rangeTombstones(f.number).tombstones())
  return list.length === 0 ? undefined : RangeTombstoneSet.build(list)
}

/**
 * Which range tombstones the outputs keep, by the rules for point tombstones: per fragment,
 * only the newest of each snapshot stripe (the older ones hide nothing it does not), and not
 * even that one when it is in the oldest stripe and no deeper level can hold a key under it.
 */
function survivingTombstones(set: RangeTombstoneSet, stripes: CompactionIterator, deeperLevels: readonly (readonly FileMetadata[])[]): RangeTombstone[] {
  const out: RangeTombstone[] = []
  for (const f of set.fragments) {
    let lastStripe = -1
    for (const seq of f.seqs) {
      const stripe = stripes.stripe(seq)
      if (stripe === lastStripe) continue
      lastStripe = stripe
      // Bounds are inclusive, so the exclusive end counts as overlapping: only ever too careful.
      if (stripe === 0 && deeperLevels.every((files) => !files.some((g) => fileOverlaps(g, f.start, f.end)))) continue
      out.push({ start: f.start, end: f.end, seq })
    }
  }
  return out
}
