// placeholder
import type { FileLock, FileSystem, RandomAccessFile, WritableFile } from './file-system.js'
export class OpfsFileSystem implements FileSystem {
  mkdir(_dir: string): void { throw new Error('todo') }
  stat(_path: string): 'file' | 'directory' | undefined { throw new Error('todo') }
  list(_dir: string): string[] { throw new Error('todo') }
  create(_path: string): WritableFile { throw new Error('todo') }
  openRead(_path: string): RandomAccessFile { throw new Error('todo') }
  readAll(_path: string): Uint8Array { throw new Error('todo') }
  rename(_from: string, _to: string): void { throw new Error('todo') }
  remove(_path: string): void { throw new Error('todo') }
  async syncDir(_dir: string): Promise<void> { throw new Error('todo') }
  lock(_path: string): FileLock { throw new Error('todo') }
}
