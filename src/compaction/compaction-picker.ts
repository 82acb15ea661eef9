// Decides what to compact next: pure functions of a version and the options, so the policy
// can be tested (and simulated) without a disk.
//
// Level targets are dynamic, as in RocksDB's level_compaction_dynamic_level_bytes: the
// last level (L6) is where data settles, its target is its actual size, and each level
// above it targets a multiplier-th of the one below. Levels whose target would fall below
// l1TargetSize stay empty, and level 0 compacts straight into the first level in use (the
// base level). So the last level holds about 10/11 of the data whatever the database size,
// which bounds space amplification near 1.1; static targets (10 MiB, 100 MiB, 1 GiB ...)
// leave a level above the last one holding half the data in between.
//
// Level 0 is scored by file count over its trigger, since every L0 file costs a lookup on
// every read; level n by its size over its target. The highest score >= 1 wins. A level-0
// compaction takes every L0 file (they overlap each other); a deeper one takes one file,
// chosen round-robin after the last key compacted at that level, so the whole key space
// is cycled through. Either way the overlapping files of the output level join the inputs.

import type { ResolvedOptions } from '../base/options.js'
import { compareBytes } from '../util/bytes.js'
import { fileOverlaps, type FileMetadata } from '../version/file-metadata.js'
import { NUM_LEVELS } from '../base/levels.js'
import type { Version } from '../version/version.js'

export type PolicyOptions = Pick<ResolvedOptions, 'l0CompactionTrigger' | 'l1TargetSize' | 'levelMultiplier' | 'targetFileSize'>

export interface CompactionTask {
  /** Inputs come from `level` and `outputLevel`; outputs go to `outputLevel`. */
  level: number
  /** `level + 1`, or `level` itself when a manual compaction rewrites the bottom level in place. */
  outputLevel: number
  inputs: FileMetadata[]
  nextInputs: FileMetadata[]
  /** Files of `level + 2`, used to cut outputs that would overlap too much of them. */
  grandparents: FileMetadata[]
  /** Smallest and largest user keys over all inputs. */
  smallest: Uint8Array
  largest: Uint8Array
  /** A single input with nothing to merge: move it down by editing the manifest only. */
  trivialMove: boolean
}

export const totalBytes = (files: readonly FileMetadata[]): number => files.reduce((s, f) => s + f.size, 0)

/**
 * How many file numbers to reserve for a task's outputs, which are cut at the target size
 * and again at grandparent boundaries: generously, since unused numbers are simply skipped.
 */
export function outputNumberBudget(task: CompactionTask, targetFileSize: number): number {
  const inputBytes = totalBytes(task.inputs) + totalBytes(task.nextInputs)
  return Math.ceil(inputBytes / (targetFileSize / 2)) + task.grandparents.length + 8
}

const LAST_LEVEL = NUM_LEVELS - 1

export interface LevelTargets {
  /** Target bytes per level (index 0 unused); 0 for levels above the base level. */
  targets: number[]
  /** The level that level 0 compacts into when the levels above it are empty. */
  baseLevel: number
}

export function levelTargets(version: Version, options: PolicyOptions): LevelTargets {
  const targets = new Array<number>(NUM_LEVELS).fill(0)
  let largest = 0
  for (let level = 1; level < NUM_LEVELS; level++) largest = Math.max(largest, totalBytes(version.levels[level]!))
  targets[LAST_LEVEL] = Math.max(largest, options.l1TargetSize)
  let baseLevel = LAST_LEVEL
  while (baseLevel > 1 && targets[baseLevel]! / options.levelMultiplier >= options.l1TargetSize) {
    targets[baseLevel - 1] = targets[baseLevel]! / options.levelMultiplier
    baseLevel--
  }
  return { targets, baseLevel }
}

/**
 * One score per level that can be compacted (the last level cannot). A level above the
 * base level that still holds files (after the base level moved, or a manual compaction)
 * scores high so it drains first.
 */
export function levelScores(version: Version, options: PolicyOptions): number[] {
  const { targets } = levelTargets(version, options)
  const scores: number[] = []
  for (let level = 0; level < LAST_LEVEL; level++) {
    const bytes = totalBytes(version.levels[level]!)
    if (level === 0) scores.push(version.levels[0]!.length / options.l0CompactionTrigger)
    else if (targets[level] === 0) scores.push(bytes > 0 ? 1 + bytes / options.l1TargetSize : 0)
    else scores.push(bytes / targets[level]!)
  }
  return scores
}

/** Where level 0 compacts to: the base level, or a non-empty level above it (which must not be skipped). */
function level0Output(version: Version, baseLevel: number): number {
  for (let level = 1; level < baseLevel; level++) if (version.levels[level]!.length > 0) return level
  return baseLevel
}

export function overlappingFiles(files: readonly FileMetadata[], smallest: Uint8Array | undefined, largest: Uint8Array | undefined): FileMetadata[] {
  return files.filter((f) => fileOverlaps(f, smallest, largest))
}

function keyRange(files: readonly FileMetadata[]): [Uint8Array, Uint8Array] {
  let smallest = files[0]!.smallestKey
  let largest = files[0]!.largestKey
  for (const f of files) {
    if (compareBytes(f.smallestKey, smallest) < 0) smallest = f.smallestKey
    if (compareBytes(f.largestKey, largest) > 0) largest = f.largestKey
  }
  return [smallest, largest]
}

/**
 * Builds the task for compacting `inputs` (files of `level`) into `outputLevel` (the next
 * level unless given; every level in between must be empty).
 */
export function taskFor(version: Version, level: number, inputs: FileMetadata[], options: PolicyOptions, outputLevel = level + 1): CompactionTask {
  let [smallest, largest] = keyRange(inputs)
  const nextInputs = overlappingFiles(version.levels[outputLevel]!, smallest, largest)
  if (nextInputs.length > 0) [smallest, largest] = keyRange([...inputs, ...nextInputs])
  const grandparents = outputLevel + 1 < NUM_LEVELS ? overlappingFiles(version.levels[outputLevel + 1]!, smallest, largest) : []
  const trivialMove =
    inputs.length === 1 && nextInputs.length === 0 && totalBytes(grandparents) <= maxGrandparentOverlap(options)
  return { level, outputLevel, inputs, nextInputs, grandparents, smallest, largest, trivialMove }
}

/**
 * Rewrites the files of the bottom level overlapping [start, end] in place, so that old
 * versions and tombstones there are dropped even when nothing is above them.
 */
export function bottomLevelTask(version: Version, level: number, start: Uint8Array | undefined, end: Uint8Array | undefined): CompactionTask | undefined {
  const inputs = overlappingFiles(version.levels[level]!, start, end)
  if (inputs.length === 0) return undefined
  const [smallest, largest] = keyRange(inputs)
  return { level, outputLevel: level, inputs, nextInputs: [], grandparents: [], smallest, largest, trivialMove: false }
}

/** An output may overlap at most this many bytes of the grandparent level, so later compactions stay small. */
export function maxGrandparentOverlap(options: PolicyOptions): number {
  return 10 * options.targetFileSize
}

/**
 * The next compaction, or undefined when every score is below 1. `pointers` holds, per
 * level, the largest key of the last compaction there (updated by the caller).
 */
export function pickCompaction(version: Version, options: PolicyOptions, pointers: readonly (Uint8Array | undefined)[]): CompactionTask | undefined {
  const scores = levelScores(version, options)
  let best = -1
  for (let level = 0; level < scores.length; level++) {
    if (scores[level]! >= 1 && (best < 0 || scores[level]! > scores[best]!)) best = level
  }
  if (best < 0) return undefined
  if (best === 0) return taskFor(version, 0, [...version.levels[0]!], options, level0Output(version, levelTargets(version, options).baseLevel))
  const files = version.levels[best]!
  const pointer = pointers[best]
  const next = (pointer && files.find((f) => compareBytes(f.smallestKey, pointer) > 0)) ?? files[0]!
  return taskFor(version, best, [next], options)
}

/**
 * The manual compaction step for one level: the files of `level` overlapping [start, end]
 * into the next level. In level 0 that is every file: moving a newer L0 file down while an
 * older overlapping one stays above would let the older data shadow the newer.
 */
export function manualTask(version: Version, level: number, start: Uint8Array | undefined, end: Uint8Array | undefined, options: PolicyOptions): CompactionTask | undefined {
  const inputs = overlappingFiles(version.levels[level]!, start, end)
  if (inputs.length === 0) return undefined
  return taskFor(version, level, level === 0 ? [...version.levels[0]!] : inputs, options)
}
