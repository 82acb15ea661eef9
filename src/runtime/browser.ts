// The runtime seam in the browser (a dedicated Web Worker): what node.ts gives Node, built
// from web platform APIs only. Checksums are computed in JavaScript, paths are POSIX paths
// rooted at '/' (the origin private file system's root), and bytes handed to callers are
// plain Uint8Arrays: there is no Buffer, and adding one (the `buffer` package) would cost
// every user of the browser build a dependency for methods the engine does not need. The
// declared types still say Buffer; in the browser only Uint8Array's methods are there.

import { crc32Js } from './crc32.js'
import { posixBasename, posixDirname, posixJoin, posixResolve } from './posix-path.js'

export const runtimeName: 'node' | 'browser' = 'browser'

export const crc32: (data: Uint8Array, value?: number) => number = crc32Js

export const joinPath: (...parts: string[]) => string = posixJoin
export const baseName: (path: string) => string = posixBasename
export const dirName: (path: string) => string = posixDirname
export const resolvePath: (path: string) => string = posixResolve

// A message on a MessageChannel is a task, as setImmediate's callback is on Node: it runs
// after the current task and its microtasks, without setTimeout's 4 ms clamp for nested
// calls. One channel serves every callback, in order.
const queue: (() => void)[] = []
let channel: InstanceType<typeof MessageChannel> | undefined

function post(fn: () => void): void {
  if (channel === undefined) {
    channel = new MessageChannel()
    const port = channel.port1 as unknown as { onmessage: (() => void) | null; unref?: () => void }
    port.onmessage = () => queue.shift()?.()
    // Under Node (this module's own tests), an open port must not keep the process alive.
    port.unref?.()
  }
  queue.push(fn)
  channel.port2.postMessage(undefined)
}

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => post(resolve))

export type Later = object

/** Runs `fn` on a later task; `unref` has no meaning where nothing keeps a process alive. */
export function later(fn: () => void, _unref = false): Later {
  const l = { cancelled: false }
  post(() => {
    if (!l.cancelled) fn()
  })
  return l
}

export function cancelLater(l: Later): void {
  ;(l as { cancelled: boolean }).cancelled = true
}

export const nativeBuffer: boolean = false

export function bufferView(u8: Uint8Array): Buffer {
  return u8 as Buffer
}

export function bufferCopy(u8: Uint8Array): Buffer {
  return u8.slice() as Buffer
}

export function allocUnpooled(n: number): Buffer {
  return new Uint8Array(n) as Buffer
}

export function latin1(u8: Uint8Array): string {
  let s = ''
  // String.fromCharCode takes its arguments on the stack: go in bounded chunks.
  for (let i = 0; i < u8.length; i += 4096) s += String.fromCharCode.apply(null, u8.subarray(i, i + 4096) as unknown as number[])
  return s
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

export function utf8Decode(u8: Uint8Array): string {
  return decoder.decode(u8)
}

export function utf8Length(s: string): number {
  return encoder.encode(s).length
}
