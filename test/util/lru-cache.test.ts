import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { LruCache } from '../../src/util/lru-cache.js'

test('LruCache evicts the least recently used item', () => {
  const evicted: string[] = []
  const c = new LruCache<string, number>(3, (k) => evicted.push(k))
  c.set('a', 1)
  c.set('b', 2)
  c.set('c', 3)
  assert.equal(c.get('a'), 1) // a is now most recent
  c.set('d', 4)
  assert.deepEqual(evicted, ['b'])
  assert.equal(c.get('b'), undefined)
  assert.deepEqual([...c.keys()], ['c', 'a', 'd'])
  assert.equal(c.size, 3)
  assert.equal(c.charge, 3)
})

test('LruCache respects charges and skips items larger than capacity', () => {
  const evicted: string[] = []
  const c = new LruCache<string, string>(10, (k) => evicted.push(k))
  c.set('a', 'x', 4)
  c.set('b', 'y', 4)
  c.set('c', 'z', 4)
  assert.deepEqual(evicted, ['a'])
  assert.equal(c.charge, 8)
  c.set('huge', 'h', 11)
  assert.equal(c.has('huge'), false)
  assert.deepEqual(evicted, ['a'])
  assert.equal(c.charge, 8)
  c.set('exact', 'e', 10)
  assert.deepEqual(evicted, ['a', 'b', 'c'])
  assert.equal(c.charge, 10)
})

test('LruCache with capacity 0 caches nothing', () => {
  let evictions = 0
  const c = new LruCache<number, number>(0, () => evictions++)
  c.set(1, 1)
  assert.equal(c.get(1), undefined)
  assert.equal(c.size, 0)
  assert.equal(evictions, 0)
})

test('LruCache replace, delete and clear call onEvict', () => {
  const evicted: [string, number][] = []
  const c = new LruCache<string, number>(5, (k, v) => evicted.push([k, v]))
  c.set('a', 1)
  c.set('a', 1) // same value: not an eviction
  c.set('a', 2, 2)
  assert.deepEqual(evicted, [['a', 1]])
  assert.equal(c.charge, 2)
  assert.equal(c.delete('a'), true)
  assert.equal(c.delete('a'), false)
  assert.deepEqual(evicted, [['a', 1], ['a', 2]])
  c.set('x', 1)
  c.set('y', 2)
  c.clear()
  assert.deepEqual(evicted.slice(2), [['x', 1], ['y', 2]])
  assert.equal(c.size, 0)
  assert.equal(c.charge, 0)
})

test('LruCache.peek does not refresh recency', () => {
  const c = new LruCache<string, number>(2)
  c.set('a', 1)
  c.set('b', 2)
  assert.equal(c.peek('a'), 1)
  c.set('c', 3)
  assert.equal(c.has('a'), false)
})

test('LruCache matches a model under random operations', () => {
  type Op = { op: 'get' | 'set' | 'delete'; key: number; charge: number }
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 12 }),
      fc.array(fc.record({ op: fc.constantFrom('get' as const, 'set' as const, 'delete' as const), key: fc.nat(8), charge: fc.integer({ min: 1, max: 5 }) }), { maxLength: 80 }),
      (capacity: number, ops: Op[]) => {
        const evicted = new Map<number, number>()
        const c = new LruCache<number, number>(capacity, (k) => evicted.set(k, (evicted.get(k) ?? 0) + 1))
        // Model: array from least to most recent of [key, charge].
        let model: [number, number][] = []
        for (const { op, key, charge } of ops) {
          if (op === 'get') {
            const i = model.findIndex(([k]) => k === key)
            assert.equal(c.get(key), i >= 0 ? key * 10 : undefined)
            if (i >= 0) model.push(model.splice(i, 1)[0]!)
          } else if (op === 'delete') {
            const i = model.findIndex(([k]) => k === key)
            assert.equal(c.delete(key), i >= 0)
            if (i >= 0) model.splice(i, 1)
          } else {
            model = model.filter(([k]) => k !== key)
            if (charge <= capacity) {
              model.push([key, charge])
              let total = model.reduce((s, [, ch]) => s + ch, 0)
              while (total > capacity) total -= model.shift()![1]
            }
            c.set(key, key * 10, charge)
          }
          assert.deepEqual([...c.keys()], model.map(([k]) => k))
          assert.equal(c.charge, model.reduce((s, [, ch]) => s + ch, 0))
          assert.ok(c.charge <= capacity)
        }
      },
    ),
  )
})
