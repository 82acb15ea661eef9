// The parts of the File System API (the origin private file system) that opfs-file-system.ts
// uses, declared here so the engine compiles without the DOM library: a dedicated Web
// Worker's `navigator.storage.getDirectory()` and what it returns. Chromium's
// FileSystemSyncAccessHandle methods are synchronous (they returned promises in 2022's
// origin trial; current browsers return values).

export interface SyncAccessHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number
  write(buffer: Uint8Array, options?: { at?: number }): number
  truncate(size: number): void
  getSize(): number
  flush(): void
  close(): void
}

export interface OpfsFileHandle {
  readonly kind: 'file'
  readonly name: string
  createSyncAccessHandle(): Promise<SyncAccessHandle>
  /** Chromium (and the spec's current draft): rename, and/or move to another directory. */
  move?(destination: OpfsDirectoryHandle, name: string): Promise<void>
}

export interface OpfsDirectoryHandle {
  readonly kind: 'directory'
  readonly name: string
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirectoryHandle>
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle>
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>
  entries(): AsyncIterableIterator<[string, OpfsFileHandle | OpfsDirectoryHandle]>
}

/** What the host offers: the OPFS root, and whether sync access handles exist here. */
export interface OpfsHost {
  getDirectory: (() => Promise<OpfsDirectoryHandle>) | undefined
  hasSyncAccessHandles: boolean
}

export function currentHost(): OpfsHost {
  const g = globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<OpfsDirectoryHandle> } }; FileSystemSyncAccessHandle?: unknown }
  const storage = g.navigator?.storage
  return {
    getDirectory: typeof storage?.getDirectory === 'function' ? () => storage.getDirectory!() : undefined,
    hasSyncAccessHandles: typeof g.FileSystemSyncAccessHandle === 'function',
  }
}
