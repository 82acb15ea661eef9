// The histogram's percentiles land within a bucket (about 19%) above the true value.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LatencyHistogram } from '../../src/util/latency-histogram.js'

test('percentiles are the upper edge of the bucket holding the quantile, within 19% above it', () => {
  const h = new LatencyHistogram()
  assert.equal(h.percentile(0.5), 0, 'empty')
  for (let i = 1; i <= 1000; i++) h.record(i / 1000) // 1 µs .. 1 ms
  assert.equal(h.count, 1000)
  assert.ok(Math.abs(h.totalMillis - 500.5) < 1e-9)
  const p50 = h.percentile(0.5)
  const p99 = h.percentile(0.99)
  assert.ok(p50 >= 0.5 && p50 <= 0.5 * 1.19, `p50 ${p50}`)
  assert.ok(p99 >= 0.99 && p99 <= 0.99 * 1.19, `p99 ${p99}`)
})
