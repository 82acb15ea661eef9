// The yardstick: a plain JS Map behind the same async interface. Nothing persists; it is the
// ceiling for one awaited operation from JavaScript on this machine.

import type { OpenEngine } from './engine.js'

const copy = (value: Uint8Array): Uint8Array => value.slice()

/** Per directory, so a close and reopen (after a preload) finds the data again, as on disk. */
const stores = new Map<string, Map<string, Uint8Array>>()

export const openMap: OpenEngine = async (dir) => {
  const map = stores.get(dir) ?? new Map<string, Uint8Array>()
  stores.set(dir, map)
  return {
    // Copy, as any store must: the caller may reuse its buffer.
    put: async (key, value) => void map.set(key, copy(value)),
    batch: async (entries) => {
      for (const [key, value] of entries) map.set(key, copy(value))
    },
    get: async (key) => map.get(key),
    async scan() {
      let n = 0
      for (const _ of map) n++
      return n
    },
    seek: () => Promise.reject(new Error('the Map yardstick has no key order')),
    close: async () => {},
  }
}
