// The messages between the test page and its workers (test/browser/pages/): a call names an
// operation of worker.ts and carries its JSON arguments; the worker answers it once, and may
// send events meanwhile (a sync writer's acknowledgements).

export interface Call {
  call: number
  op: string
  args: Record<string, unknown>
}

export type Reply =
  | { kind: 'result'; call: number; value: unknown }
  | { kind: 'error'; call: number; code: string | undefined; message: string }
  | { kind: 'event'; value: unknown }

/** What a worker or page sees of its message port, without the DOM library's types. */
export interface Port {
  onmessage: ((e: { data: unknown }) => void) | null
  postMessage(message: unknown): void
}
