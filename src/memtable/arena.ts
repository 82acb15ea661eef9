// Bump allocation of memtable bytes in large chunks. Each entry's key and value are copied
// side by side into a shared chunk, so an entry costs no heap object of its own for its
// bytes: the young-generation collector, which copies every live object, has less to copy.

const CHUNK_SIZE = 256 * 1024

export class Arena {
  /** Every chunk handed out, addressed by index so entries can refer to them with an int. */
  readonly chunks: Uint8Array[] = [new Uint8Array(CHUNK_SIZE)]
  #current = 0
  #used = 0
  /** Bytes handed out, including chunks dedicated to oversize items. */
  allocated = 0

  /**
   * Reserves n contiguous bytes and returns [chunk index, offset]. Items larger than a
   * quarter chunk get a chunk of their own, so a big value never strands a mostly empty one.
   * The result is written into `out` to keep the hot path free of allocations.
   */
  reserve(n: number, out: Int32Array): void {
    this.allocated += n
    if (n > CHUNK_SIZE / 4) {
      this.chunks.push(new Uint8Array(n))
      out[0] = this.chunks.length - 1
      out[1] = 0
      return
    }
    if (this.#used + n > CHUNK_SIZE) {
      this.chunks.push(new Uint8Array(CHUNK_SIZE))
      this.#current = this.chunks.length - 1
      this.#used = 0
    }
    out[0] = this.#current
    out[1] = this.#used
    this.#used += n
  }
}
