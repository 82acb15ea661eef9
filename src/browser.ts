// Shale's public surface in the browser (package.json `exports`, condition `browser`): the
// same as src/index.ts, whose every export works there, OpfsFileSystem included. Its own
// file so that bundlers have an entry to choose; nothing reachable from here imports a
// node: module (test/architecture.test.ts checks).

export * from './index.js'
