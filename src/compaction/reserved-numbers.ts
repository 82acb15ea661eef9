// The file numbers a compaction may give its outputs: reserved in the MANIFEST before it runs
// (docs/format.md#file-numbers), generously (outputNumberBudget), and handed out in order. A
// job that needs more has broken that estimate: a bug, thrown as a plain Error so that it
// surfaces as one (on either thread) instead of passing for a disk failure.

/** Hands out `numbers` in order, one per call; throws a plain Error once they are used up. */
export function reservedNumbers(numbers: readonly number[]): () => number {
  let used = 0
  return () => {
    const n = numbers[used]
    if (n === undefined) throw new Error(`Compaction used more than the ${numbers.length} file numbers reserved for it`)
    used++
    return n
  }
}
