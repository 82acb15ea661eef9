// CURRENT, the file that names the MANIFEST in use: its name and a newline, nothing else.
// It is replaced by writing a temp file, syncing it, renaming it over CURRENT and syncing the
// directory, so a crash leaves either the old name or the new one, never a torn one.

import { baseName } from '#runtime'
import { corruption } from '../errors.js'
import { currentFileName, manifestFileName, parseFileName, tempFileName } from '../base/file-names.js'
import type { FileSystem } from '../vfs/file-system.js'

/**
 * The MANIFEST file name CURRENT holds (without its newline). Throws NOT_FOUND when there is
 * no CURRENT, CORRUPTION when it holds anything but a MANIFEST name and a newline.
 */
export function readCurrent(fs: FileSystem, dir: string): string {
  const currentPath = currentFileName(dir)
  const text = new TextDecoder().decode(fs.readAll(currentPath))
  const name = text.endsWith('\n') ? text.slice(0, -1) : undefined
  if (name === undefined || parseFileName(name)?.kind !== 'manifest') {
    throw corruption(currentPath, `expected a MANIFEST file name and a newline, found ${JSON.stringify(text.slice(0, 40))}`)
  }
  return name
}

/** Points CURRENT at MANIFEST-`manifestNumber`, atomically and durably. */
export async function writeCurrent(fs: FileSystem, dir: string, manifestNumber: number): Promise<void> {
  const temp = tempFileName(dir, manifestNumber)
  const file = fs.create(temp)
  file.append(new TextEncoder().encode(`${baseName(manifestFileName(dir, manifestNumber))}\n`))
  await file.sync()
  file.close()
  fs.rename(temp, currentFileName(dir))
  await fs.syncDir(dir)
}
