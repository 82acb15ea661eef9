// The test page: starts workers, relays the Node side's calls to them (through Playwright's
// page.evaluate on globalThis.harness), keeps their events, and can terminate them.
// It also tries Shale on the page's own thread, where OPFS has no sync access handles.

import { Shale } from '../../../src/index.js'
import type { Call, Reply } from './protocol.js'

interface WorkerLike {
  onmessage: ((e: { data: unknown }) => void) | null
  postMessage(message: unknown): void
  terminate(): void
}

const WorkerCtor = (globalThis as unknown as { Worker: new (url: string, options: { type: 'module' }) => WorkerLike }).Worker

interface Running {
  worker: WorkerLike
  events: unknown[]
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>
}

const running = new Map<number, Running>()
let nextWorker = 1
let nextCall = 1

const harness = {
  /** Starts a worker; resolves with its id once its module has loaded. */
  start(): Promise<number> {
    const id = nextWorker++
    const r: Running = { worker: new WorkerCtor('./worker.js', { type: 'module' }), events: [], pending: new Map() }
    running.set(id, r)
    return new Promise((resolve, reject) => {
      ;(r.worker as unknown as { onerror: (e: { message?: string }) => void }).onerror = (e) => reject(new Error(`worker failed: ${e.message ?? 'unknown error'}`))
      r.worker.onmessage = (e) => {
        const m = e.data as Reply
        if (m.kind === 'event') {
          if ((m.value as { ready?: boolean }).ready) resolve(id)
          else r.events.push(m.value)
          return
        }
        const p = r.pending.get(m.call)
        r.pending.delete(m.call)
        if (m.kind === 'result') p?.resolve(m.value)
        else p?.reject(Object.assign(new Error(m.message), { code: m.code }))
      }
    })
  },

  call(id: number, op: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const r = running.get(id)!
    const call = nextCall++
    return new Promise((resolve, reject) => {
      r.pending.set(call, { resolve, reject })
      r.worker.postMessage({ call, op, args } satisfies Call)
    })
  },

  /** Calls `op` without waiting for its end (a writer that never ends). */
  launch(id: number, op: string, args: Record<string, unknown> = {}): void {
    void this.call(id, op, args).then(
      (result) => running.get(id)?.events.push({ result }),
      (err: Error) => running.get(id)?.events.push({ failed: err.message }),
    )
  },

  events(id: number): unknown[] {
    return running.get(id)?.events ?? []
  },

  terminate(id: number): void {
    running.get(id)?.worker.terminate()
    running.delete(id)
  },

  /** Shale.open on the page's own thread: the error's code and message. */
  async openOnPage(): Promise<{ code: string | undefined; message: string }> {
    try {
      await Shale.open('/on-the-page')
      return { code: undefined, message: 'opened' }
    } catch (err) {
      return { code: (err as { code?: string }).code, message: (err as Error).message }
    }
  },
}

;(globalThis as unknown as { harness: typeof harness }).harness = harness
