// Blocks the calling thread for a few milliseconds. Only for rare error paths that must wait
// for another process without returning to the event loop (see db/follower.ts).

let cell: Int32Array | undefined

export function sleepSync(ms: number): void {
  try {
    cell ??= new Int32Array(new SharedArrayBuffer(4))
    Atomics.wait(cell, 0, 0, ms)
  } catch {
    // No shared memory (a browser context that is not cross-origin isolated) or a thread that
    // may not block: spin instead.
    const until = Date.now() + ms
    while (Date.now() < until) {
      // spin
    }
  }
}
