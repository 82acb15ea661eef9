// Tells a misspelt engine option from a userland one. abstract-level passes constructor
// options it does not know on to hooks, so the adapter cannot reject every unknown name the
// way Shale.open does; a name within two edits of an engine option is taken for a typo.

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`, ignoring case. */
function editDistance(a: string, b: string): number {
  a = a.toLowerCase()
  b = b.toLowerCase()
  // Three rows of the dynamic-programming table: the current one and the two before it.
  let before = new Array<number>(b.length + 1).fill(0)
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1)
      row.push(d)
    }
    before = prev
    prev = row
  }
  return prev[b.length]!
}

/** The option in `known` that `name` is a near miss of, if any. */
export function misspeltOption(name: string, known: Iterable<string>): string | undefined {
  for (const option of known) if (option !== name && editDistance(name, option) <= 2) return option
  return undefined
}
