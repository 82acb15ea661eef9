// Seeded 32-bit hash of a byte range, used to place keys in bloom filters. It follows the
// MurmurHash3 x86_32 algorithm (public domain), so published test vectors pin it down.
// The output is persisted inside filters: changing it makes every existing filter lie.

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

/** Hash of data[start, end) under `seed`, as an unsigned 32-bit integer. */
export function hash32(data: Uint8Array, seed = 0, start = 0, end = data.length): number {
  let h = seed | 0
  const bodyEnd = start + ((end - start) & ~3)
  let i = start
  for (; i < bodyEnd; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, C1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, C2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  // The 1-3 trailing bytes are mixed in once, without the rotation of h.
  const rest = end - i
  if (rest > 0) {
    let k = data[i]!
    if (rest > 1) k |= data[i + 1]! << 8
    if (rest > 2) k |= data[i + 2]! << 16
    k = Math.imul(k, C1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, C2)
    h ^= k
  }
  h ^= end - start
  // Final avalanche: every input bit affects every output bit.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
