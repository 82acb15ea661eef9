// Validation of what callers pass to the public API: keys, values, write options and
// iterator ranges. Bad input fails with INVALID_ARGUMENT before anything is written.

import { invalidArgument } from '../errors.js'
import { MAX_KEY_SIZE, MAX_VALUE_SIZE } from '../base/options.js'
import { binaryString, utf8 } from '../util/bytes.js'

export type Bytes = Uint8Array | string

function toBytes(x: unknown, what: string): Uint8Array {
  if (typeof x === 'string') return utf8(x)
  if (x instanceof Uint8Array) return x
  throw invalidArgument(`Invalid ${what}: expected a string or Uint8Array, got ${x === null ? 'null' : typeof x}`)
}

/** A range bound or seek target: a position, not a stored key, so empty is allowed. */
export function boundArg(x: unknown, what: string): Uint8Array {
  return toBytes(x, what)
}

export function keyArg(x: unknown, allowEmpty: boolean, what = 'key'): Uint8Array {
  const k = toBytes(x, what)
  if (k.length === 0 && !allowEmpty) throw invalidArgument(`Invalid ${what}: must not be empty (or open with allowEmptyKeys: true)`)
  if (k.length > MAX_KEY_SIZE) throw invalidArgument(`Invalid ${what}: ${k.length} bytes exceeds the limit of ${MAX_KEY_SIZE}`)
  return k
}

/**
 * The key as the memtable's binary string. An ASCII string key already is one (its UTF-8
 * bytes equal its char codes, which is exactly when the byte count equals the length).
 */
export function binaryKey(x: Bytes, bytes: Uint8Array): string {
  return typeof x === 'string' && x.length === bytes.length ? x : binaryString(bytes)
}

/**
 * A value as bytes, not copied: the log and the memtable copy what they keep, and a write
 * that must wait first takes its own copy (see Shale#write).
 */
export function valueArg(x: unknown): Uint8Array {
  const v = toBytes(x, 'value')
  if (v.length > MAX_VALUE_SIZE) throw invalidArgument(`Invalid value: ${v.length} bytes exceeds the limit of ${MAX_VALUE_SIZE}`)
  return v
}

export interface WriteOptions {
  /** Return only once the write is durable on disk (fdatasync). Default false. */
  sync?: boolean
}

export function syncArg(options: unknown): boolean {
  if (options === undefined || options === null) return false
  if (typeof options !== 'object') throw invalidArgument(`Invalid write options: expected an object, got ${typeof options}`)
  const sync = (options as WriteOptions).sync
  if (sync === undefined) return false
  if (typeof sync !== 'boolean') throw invalidArgument(`Invalid option sync: expected a boolean, got ${typeof sync}`)
  return sync
}
