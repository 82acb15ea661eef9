// A charge-budgeted least-recently-used cache. A Map keeps insertion order, so re-inserting
// a key on every hit makes the Map's first live key the least recently used one.

interface Slot<V> {
  value: V
  charge: number
}

export class LruCache<K, V> {
  readonly #capacity: number
  readonly #onEvict: ((key: K, value: V) => void) | undefined
  readonly #map = new Map<K, Slot<V>>()
  /**
   * A long-lived iterator that evictions advance. Starting a fresh iteration per eviction
   * would walk over every deleted slot V8 keeps at the front of the Map until its next
   * rehash, which made eviction O(cache size). Entries are only ever appended, so the
   * oldest live entry is always at or after this iterator's position.
   */
  #oldest: IterableIterator<[K, Slot<V>]> | undefined
  #charge = 0

  /**
   * `capacity` bounds the sum of the charges of cached items; 0 caches nothing. `onEvict`
   * runs whenever an item leaves the cache for any reason: pushed out by a newer item,
   * replaced by set() with a different value, delete(), or clear().
   */
  constructor(capacity: number, onEvict?: (key: K, value: V) => void) {
    if (!(capacity >= 0)) throw new RangeError(`Cannot create an LRU cache: capacity ${capacity} is negative`)
    this.#capacity = capacity
    this.#onEvict = onEvict
  }

  get capacity(): number {
    return this.#capacity
  }

  /** Number of cached items. */
  get size(): number {
    return this.#map.size
  }

  /** Sum of the charges of cached items. */
  get charge(): number {
    return this.#charge
  }

  /** The cached value, marking it most recently used. */
  get(key: K): V | undefined {
    const slot = this.#map.get(key)
    if (slot === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, slot)
    return slot.value
  }

  /** The cached value without touching its recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value
  }

  has(key: K): boolean {
    return this.#map.has(key)
  }

  /**
   * Caches value under key, then evicts least recently used items until the total charge
   * fits. An item whose charge alone exceeds the capacity is not cached (and onEvict is not
   * called for it), though it still displaces an older value under the same key.
   */
  set(key: K, value: V, charge = 1): void {
    const old = this.#map.get(key)
    if (old !== undefined) {
      this.#map.delete(key)
      this.#charge -= old.charge
      if (old.value !== value) this.#onEvict?.(key, old.value)
    }
    if (charge > this.#capacity) return
    this.#map.set(key, { value, charge })
    this.#charge += charge
    if (this.#charge > this.#capacity) this.#evict()
  }

  /** Removes key; returns whether it was cached. */
  delete(key: K): boolean {
    const slot = this.#map.get(key)
    if (slot === undefined) return false
    this.#map.delete(key)
    this.#charge -= slot.charge
    this.#onEvict?.(key, slot.value)
    return true
  }

  clear(): void {
    const entries = [...this.#map]
    this.#map.clear()
    this.#oldest = undefined
    this.#charge = 0
    if (this.#onEvict !== undefined) for (const [key, slot] of entries) this.#onEvict(key, slot.value)
  }

  /** Keys from least to most recently used. */
  keys(): IterableIterator<K> {
    return this.#map.keys()
  }

  #evict(): void {
    while (this.#charge > this.#capacity && this.#map.size > 0) {
      this.#oldest ??= this.#map.entries()
      const next = this.#oldest.next()
      if (next.done === true) {
        // An exhausted iterator stays exhausted even when entries are added later.
        this.#oldest = undefined
        continue
      }
      const [key, slot] = next.value
      this.#map.delete(key)
      this.#charge -= slot.charge
      this.#onEvict?.(key, slot.value)
    }
  }
}
