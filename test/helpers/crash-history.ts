// The deterministic write history shared by the crash test and its child process:
// element i either puts key(i) = String(i) or deletes key(i).

export function historyKey(i: number): string {
  return `key-${String((i * 7919) % 300).padStart(3, '0')}`
}

export function isDelete(i: number): boolean {
  return i % 7 === 3
}

/** Applies history elements [from, to) to state. */
export function applyHistory(state: Map<string, string>, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (isDelete(i)) state.delete(historyKey(i))
    else state.set(historyKey(i), String(i))
  }
}
