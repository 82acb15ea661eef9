// Modules the browser pages import that ship no types the root project can see: tape and
// abstract-level's suite (CommonJS, typed here as far as level-suite.ts uses them), and
// browser-level, which lives in browser-test/node_modules where only the bundler looks.

declare module 'tape' {
  interface Row {
    type: string
    ok?: boolean
    name?: string
    id?: number
    test?: number
    operator?: string
    actual?: unknown
    expected?: unknown
  }
  interface Harness {
    (...args: unknown[]): unknown
    createStream(options: { objectMode: true }): { on(event: 'data', fn: (row: Row) => void): void; on(event: 'end', fn: () => void): void }
  }
  const tape: { createHarness(): Harness }
  export default tape
}

declare module 'abstract-level/test' {
  const suite: (options: { test: unknown; factory: (options?: object) => unknown }) => void
  export default suite
}

declare module 'browser-level' {
  export class BrowserLevel<K = string, V = string> {
    constructor(location: string, options?: object)
    open(): Promise<void>
    close(): Promise<void>
    put(key: K, value: V): Promise<void>
    get(key: K): Promise<V | undefined>
    getMany(keys: K[]): Promise<(V | undefined)[]>
    batch(ops: { type: 'put'; key: K; value: V }[]): Promise<void>
    iterator(options?: object): AsyncIterable<[K, V]> & { close(): Promise<void> }
  }
}
