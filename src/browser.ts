// Shale's public surface in the browser (package.json `exports`, condition `browser`): the
// same as src/index.ts, plus the origin private file system it stores its files in by default.
// Nothing reachable from here imports a node: module (test/architecture.test.ts checks).

export * from './index.js'
export { OpfsFileSystem } from './vfs/opfs-file-system.js'
