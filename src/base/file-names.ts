// Names of the files in a database directory (docs/format.md#files). File numbers come
// from the manifest's counter, so names never collide (naming files by timestamp,
// as the first sketch of this engine did, can).

import { joinPath } from '#runtime'

export type FileKind = 'log' | 'table' | 'manifest' | 'current' | 'lock' | 'temp'

const pad = (n: number): string => String(n).padStart(6, '0')

export const logFileName = (dir: string, n: number): string => joinPath(dir, `${pad(n)}.log`)
export const tableFileName = (dir: string, n: number): string => joinPath(dir, `${pad(n)}.sst`)
export const manifestFileName = (dir: string, n: number): string => joinPath(dir, `MANIFEST-${pad(n)}`)
export const tempFileName = (dir: string, n: number): string => joinPath(dir, `${pad(n)}.dbtmp`)
export const currentFileName = (dir: string): string => joinPath(dir, 'CURRENT')
export const lockFileName = (dir: string): string => joinPath(dir, 'LOCK')

/** Parses a bare file name; undefined for files Shale does not own. */
export function parseFileName(name: string): { kind: FileKind; number: number } | undefined {
  if (name === 'CURRENT') return { kind: 'current', number: 0 }
  // LOCK.* are the lock's temporary files and takeover claims (src/vfs/node-lock.ts).
  if (name === 'LOCK' || name.startsWith('LOCK.')) return { kind: 'lock', number: 0 }
  let m = /^MANIFEST-(\d{6,})$/.exec(name)
  if (m) return { kind: 'manifest', number: Number(m[1]) }
  m = /^(\d{6,})\.(log|sst|dbtmp)$/.exec(name)
  if (!m) return undefined
  const kind = m[2] === 'log' ? 'log' : m[2] === 'sst' ? 'table' : 'temp'
  return { kind, number: Number(m[1]) }
}
