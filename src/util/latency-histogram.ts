// A fixed-size histogram of durations: buckets a quarter of a power of two wide (about 19%),
// from 1 microsecond to about 17 minutes, so recording is a log2 and an increment and a
// percentile is within a bucket's width of the truth, whatever the spread.

const SUB_BUCKETS = 4
/** 2^30 microseconds is about 17.9 minutes; longer durations share the last bucket. */
const MAX_EXPONENT = 30
const BUCKETS = MAX_EXPONENT * SUB_BUCKETS + 1

export class LatencyHistogram {
  readonly #counts = new Array<number>(BUCKETS).fill(0)
  count = 0
  totalMillis = 0

  record(millis: number): void {
    this.count++
    this.totalMillis += millis
    this.#counts[bucketOf(millis * 1000)]!++
  }

  /** The upper edge of the bucket holding the q-th quantile (0 < q <= 1), in milliseconds; 0 when empty. */
  percentile(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.ceil(q * this.count)
    let seen = 0
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.#counts[b]!
      if (seen >= rank) return upperEdgeMicros(b) / 1000
    }
    return upperEdgeMicros(BUCKETS - 1) / 1000
  }
}

function bucketOf(micros: number): number {
  if (!(micros > 1)) return 0
  const b = Math.ceil(Math.log2(micros) * SUB_BUCKETS)
  return b >= BUCKETS ? BUCKETS - 1 : b
}

function upperEdgeMicros(bucket: number): number {
  return 2 ** (bucket / SUB_BUCKETS)
}
