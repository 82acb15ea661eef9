// The runtime seam on Node (and on Bun and Deno, through their Node compatibility): the
// few things the engine needs from its host besides files (vfs/) and threads
// (db/node-platform.ts). package.json `imports` maps `#runtime` here by default and to
// browser.ts under the `browser` condition, so a browser bundle never sees a node: module.
// Each export is the host's own, fastest function: zlib's native CRC-32, node:path,
// Buffer at the public edge, setImmediate for yielding a turn of the event loop.

import { basename, dirname, join, resolve } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { crc32 as zlibCrc32 } from 'node:zlib'

export const runtimeName: 'node' | 'browser' = 'node'

/** CRC-32 (IEEE, zlib's) of `data`, continuing from `value` (0 to start). */
export const crc32: (data: Uint8Array, value?: number) => number = zlibCrc32

export const joinPath: (...parts: string[]) => string = join
export const baseName: (path: string) => string = basename
export const dirName: (path: string) => string = dirname
/** The absolute form of `path` (against the working directory on Node, '/' in the browser). */
export const resolvePath: (path: string) => string = resolve

/** Settles on the next turn of the event loop, after pending I/O and timers. */
export const yieldToLoop = (): Promise<void> => nextTurn()

/** A callback scheduled by later(), for cancelLater(). */
export type Later = object

/** Runs `fn` on the next turn of the loop; `unref`: it does not keep the process alive by itself. */
export function later(fn: () => void, unref = false): Later {
  const handle = setImmediate(fn)
  if (unref) handle.unref()
  return handle
}

export function cancelLater(l: Later): void {
  clearImmediate(l as NodeJS.Immediate)
}

/** True where values handed to callers are Buffers (Node); in the browser they are Uint8Arrays. */
export const nativeBuffer: boolean = true

/** The public edge's byte type over the same memory (no copy): a Buffer on Node. */
export function bufferView(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}

/** A copy of `u8` in the public edge's byte type. */
export function bufferCopy(u8: Uint8Array): Buffer {
  return Buffer.from(u8)
}

/** `n` bytes NOT zeroed, in memory of their own (no shared pool), in the public edge's byte type. */
export function allocUnpooled(n: number): Buffer {
  return Buffer.allocUnsafeSlow(n)
}

/** The bytes as a one-byte-per-char string. */
export function latin1(u8: Uint8Array): string {
  return bufferView(u8).toString('latin1')
}

/** The bytes decoded as UTF-8. */
export function utf8Decode(u8: Uint8Array): string {
  return bufferView(u8).toString('utf8')
}

/** The UTF-8 length of `s` in bytes. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s)
}
