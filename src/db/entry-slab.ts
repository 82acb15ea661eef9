// Where an iterator copies the entries it returns. Each entry is a key Buffer and a value
// Buffer over one copy of their bytes; carving those copies out of a shared slab costs one
// ArrayBuffer per slab rather than per entry (Node's own Buffer pool does the same with
// 8 KiB pools, and refilling that pool showed up in scan profiles). Like Node's pool, an
// entry the caller keeps holds its slab alive. Iterators share one slab (sharedEntrySlab):
// a short range read must not pay for a slab of its own.

import { allocUnpooled } from '#runtime'

/** Big enough that refills are rare, small enough that one kept entry pins little. */
const SLAB_BYTES = 32 * 1024
/** Entries at least this large get a Buffer of their own instead of wasting a slab's tail. */
const OWN_BUFFER_BYTES = SLAB_BYTES / 8

export class EntrySlab {
  #slab: Buffer | undefined
  #used = 0

  /** Fresh copies of key and value, sharing one allocation. */
  entry(key: Uint8Array, value: Uint8Array): [Buffer, Buffer] {
    const n = key.length + value.length
    let buf: Buffer
    let at: number
    if (n >= OWN_BUFFER_BYTES) {
      buf = allocUnpooled(n)
      at = 0
    } else {
      if (this.#slab === undefined || this.#used + n > SLAB_BYTES) {
        // Every byte handed out is overwritten below, so nothing uninitialized escapes.
        this.#slab = allocUnpooled(SLAB_BYTES)
        this.#used = 0
      }
      buf = this.#slab
      at = this.#used
      this.#used += n
    }
    buf.set(key, at)
    buf.set(value, at + key.length)
    return [buf.subarray(at, at + key.length), buf.subarray(at + key.length, at + n)]
  }
}

/** The slab every database iterator copies entries into (JavaScript never runs two at once). */
export const sharedEntrySlab = new EntrySlab()
