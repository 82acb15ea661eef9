// The db_bench workload shape shared by Shale's benchmarks: 16-byte keys formatted %016d
// and 100-byte values that compress to about half, in a seeded order.

/** Half-random, half-repeated bytes; values are 100-byte windows into this pool. */
const POOL = (() => {
  const out = Buffer.alloc(1 << 20)
  let seed = 301
  for (let i = 0; i < out.length; i += 100) {
    for (let j = 0; j < 50 && i + j < out.length; j++) {
      seed = (seed * 1103515245 + 12345) >>> 0
      out[i + j] = 32 + ((seed >>> 16) % 95)
    }
    out.fill(out[i]!, Math.min(i + 50, out.length), Math.min(i + 100, out.length))
  }
  return out
})()

export const VALUE_SIZE = 100
export const KEY_SIZE = 16

export function dbKey(i: number): string {
  return String(i).padStart(KEY_SIZE, '0')
}

/** A `size`-byte value (at most 64 KiB) for index i, a view into the shared pool. */
export function dbValue(i: number, size = VALUE_SIZE): Buffer {
  const at = (i * 97) % (POOL.length - size)
  return POOL.subarray(at, at + size)
}

/** A seeded permutation of 0..n-1, so "random" order is the same in every run. */
export function shuffled(n: number, seed: number): Uint32Array {
  const a = new Uint32Array(n)
  for (let i = 0; i < n; i++) a[i] = i
  let s = seed >>> 0
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const j = s % (i + 1)
    const t = a[i]!
    a[i] = a[j]!
    a[j] = t
  }
  return a
}
