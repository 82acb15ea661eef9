// Bloom filters over user keys, so a table lookup can skip tables that cannot hold the key.
// Layout (docs/format.md#filter-block): a bit array of 8*(n-1) bits, bit i at byte i>>3,
// mask 1<<(i&7), followed by one byte holding k, the number of probes.

import { hash32 } from '../util/hash.js'

/** Persisted implicitly (it decides which bits are set): never change it. */
const BLOOM_SEED = 0x5ca1ab1e
const MIN_BITS = 64
/** Probe counts above this are reserved: a reader treats them as "no filter". */
export const MAX_PROBES = 30

export function bloomHash(key: Uint8Array): number {
  return hash32(key, BLOOM_SEED)
}

/**
 * Probes per key for a given budget. ln 2 * bitsPerKey minimizes the false-positive rate;
 * rounding (rather than truncating) tracks that optimum more closely for small budgets.
 */
export function bloomProbes(bitsPerKey: number): number {
  const k = Math.round(bitsPerKey * 0.69)
  return k < 1 ? 1 : k > MAX_PROBES ? MAX_PROBES : k
}

/** Second hash for double hashing: a cheap remix of the first, so one key costs one hash. */
function probeStep(h: number): number {
  return (Math.imul((h >>> 16) | (h << 16), 0x9e3779b1) | 1) >>> 0
}

/** Builds a filter from bloomHash() values (duplicates only cost precision, not correctness). */
export function buildBloomFilter(hashes: ArrayLike<number>, bitsPerKey: number): Uint8Array {
  if (!(bitsPerKey > 0)) throw new RangeError(`Cannot build a bloom filter with ${bitsPerKey} bits per key`)
  const k = bloomProbes(bitsPerKey)
  const bytes = Math.ceil(Math.max(MIN_BITS, hashes.length * bitsPerKey) / 8)
  const bits = bytes * 8
  if (bits > 0xffffffff) throw new RangeError(`Cannot build a bloom filter of ${bits} bits: readers address at most 2^32 - 1`)
  const filter = new Uint8Array(bytes + 1)
  for (let i = 0; i < hashes.length; i++) {
    let h = hashes[i]! >>> 0
    const step = probeStep(h)
    for (let j = 0; j < k; j++) {
      const bit = h % bits
      filter[bit >>> 3]! |= 1 << (bit & 7)
      h = (h + step) >>> 0
    }
  }
  filter[bytes] = k
  return filter
}

export function buildBloomFilterFromKeys(keys: readonly Uint8Array[], bitsPerKey: number): Uint8Array {
  return buildBloomFilter(keys.map(bloomHash), bitsPerKey)
}

/** False only when the key is certainly absent. */
export function bloomMayContain(filter: Uint8Array, key: Uint8Array): boolean {
  return bloomMayContainHash(filter, bloomHash(key))
}

export function bloomMayContainHash(filter: Uint8Array, hash: number): boolean {
  const bytes = filter.length - 1
  // A filter too large to address in 32 bits is never built; answering "maybe" keeps reads correct.
  if (bytes < 1 || bytes > 0x1fffffff) return true
  const k = filter[bytes]!
  // An encoding we do not know: answering "maybe" keeps lookups correct.
  if (k < 1 || k > MAX_PROBES) return true
  // As an unsigned 32-bit value V8 divides in integer registers; `h % bits` on a plain
  // number took a floating-point modulo per probe (twice the cost of the whole probe loop).
  // Same bits either way: a filter of 2^32 bits (512 MiB) is far beyond any table's.
  const bits = (bytes * 8) >>> 0
  let h = hash >>> 0
  const step = probeStep(h)
  for (let j = 0; j < k; j++) {
    const bit = (h % bits) >>> 0
    if ((filter[bit >>> 3]! & (1 << (bit & 7))) === 0) return false
    h = (h + step) >>> 0
  }
  return true
}
