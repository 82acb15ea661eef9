// The block cache's contract: the charge never exceeds the capacity, an owner's slot is set
// exactly while its block is cached, a block hit since the clock hand last passed survives
// one more pass, and dropped owners do not pile up in the queue.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { BlockCache, type CachedBlock } from '../../src/table/block-cache.js'
import type { Block } from '../../src/table/block.js'

/** A stand-in block: the cache only reads a block's byteLength. */
function blockOf(bytes: number): Block {
  return { byteLength: bytes } as Block
}

test('blocks are cached in their owner slot and evicted oldest first when none was hit', () => {
  const cache = new BlockCache(300)
  const owner: (CachedBlock | undefined)[] = new Array(4).fill(undefined)
  for (let i = 0; i < 3; i++) cache.insert(owner, i, blockOf(100))
  assert.equal(cache.size, 3)
  assert.equal(cache.charge, 300)
  cache.insert(owner, 3, blockOf(100))
  assert.equal(owner[0], undefined, 'the oldest unreferenced block left')
  assert.ok(owner[1] && owner[2] && owner[3])
  assert.equal(cache.charge, 300)
})

test('a block hit since the hand last passed gets a second chance', () => {
  const cache = new BlockCache(300)
  const owner: (CachedBlock | undefined)[] = new Array(5).fill(undefined)
  for (let i = 0; i < 3; i++) cache.insert(owner, i, blockOf(100))
  owner[0]!.referenced = true // a hit, as TableReader.blockAt records it
  cache.insert(owner, 3, blockOf(100))
  assert.ok(owner[0], 'the hit block stayed')
  assert.equal(owner[1], undefined, 'the next-oldest unreferenced one left instead')
  assert.equal(owner[0]!.referenced, false, 'its flag was spent')
  cache.insert(owner, 4, blockOf(100))
  assert.equal(owner[2], undefined)
  assert.ok(owner[0], 'requeued behind the others, it is not next')
})

test('a block larger than the cache is not cached; capacity 0 caches nothing', () => {
  const cache = new BlockCache(100)
  const owner: (CachedBlock | undefined)[] = [undefined]
  cache.insert(owner, 0, blockOf(101))
  assert.equal(owner[0], undefined)
  assert.equal(cache.size, 0)
  const none = new BlockCache(0)
  none.insert(owner, 0, blockOf(1))
  assert.equal(owner[0], undefined)
  assert.throws(() => new BlockCache(-1), RangeError)
})

test('dropAll empties an owner and the queue does not keep its blocks forever', () => {
  const cache = new BlockCache(1 << 30)
  for (let round = 0; round < 50; round++) {
    const owner: (CachedBlock | undefined)[] = new Array(100).fill(undefined)
    for (let i = 0; i < 100; i++) cache.insert(owner, i, blockOf(10))
    cache.dropAll(owner)
    assert.ok(owner.every((e) => e === undefined))
    assert.equal(cache.size, 0)
    assert.equal(cache.charge, 0)
  }
  // 5,000 blocks were inserted and dropped; the queue was rebuilt instead of holding them all.
  assert.ok(cache.queued < 1200, `${cache.queued} entries queued`)
  const owner: (CachedBlock | undefined)[] = new Array(1).fill(undefined)
  cache.insert(owner, 0, blockOf(10))
  assert.equal(cache.size, 1)
})

test('under random inserts, hits and drops the cache matches its invariants', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2000 }),
      fc.array(fc.tuple(fc.constantFrom('insert', 'hit', 'drop'), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 400 })), { maxLength: 300 }),
      (capacity, ops) => {
        const cache = new BlockCache(capacity)
        const owners: (CachedBlock | undefined)[][] = Array.from({ length: 4 }, () => new Array(16).fill(undefined))
        for (const [op, o, slot, size] of ops) {
          const owner = owners[o]!
          if (op === 'insert' && owner[slot] === undefined) cache.insert(owner, slot, blockOf(size))
          else if (op === 'hit' && owner[slot] !== undefined) owner[slot]!.referenced = true
          else if (op === 'drop') {
            cache.dropAll(owner)
            owners[o] = new Array(16).fill(undefined)
          }
          const live = owners.flatMap((slots) => slots.filter((e): e is CachedBlock => e !== undefined))
          assert.ok(cache.charge <= capacity, `charge ${cache.charge} > capacity ${capacity}`)
          assert.equal(cache.size, live.length)
          assert.equal(cache.charge, live.reduce((s, e) => s + e.charge, 0))
          for (const slots of owners) slots.forEach((e, i) => e !== undefined && assert.equal(e.slot, i))
        }
      },
    ),
  )
})
