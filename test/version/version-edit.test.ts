import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SAFE_IGNORE_TAG, decodeEdit, encodeEdit, type VersionEdit } from '../../src/version/version-edit.js'
import { ShaleError } from '../../src/errors.js'
import { ByteWriter } from '../../src/util/coding.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)

test('version edit round-trips every field', () => {
  const edit: VersionEdit = {
    comparator: 'shale.BytewiseComparator',
    logNumber: 12,
    nextFileNumber: 99,
    lastSequence: 2 ** 40 + 5,
    lifetime: { userBytes: 2 ** 45, walBytes: 3, flushes: 4, flushBytes: 5, levels: [{ compactions: 0, bytesRead: 0, bytesWritten: 0 }, { compactions: 6, bytesRead: 7, bytesWritten: 2 ** 50 }] },
    deletedFiles: [{ level: 0, number: 7 }],
    newFiles: [{ level: 1, file: { number: 8, size: 4096, smallestKey: b('a'), smallestSeq: 3, largestKey: b('zz'), largestSeq: 2 ** 33 } }],
  }
  const back = decodeEdit(encodeEdit(edit), 'test')
  assert.deepEqual({ ...back, newFiles: back.newFiles.map((f) => ({ ...f, file: { ...f.file, smallestKey: [...f.file.smallestKey], largestKey: [...f.file.largestKey] } })) }, {
    ...edit,
    newFiles: edit.newFiles.map((f) => ({ ...f, file: { ...f.file, smallestKey: [...f.file.smallestKey], largestKey: [...f.file.largestKey] } })),
  })
})

test('version edit skips unknown safe-to-ignore tags and rejects other unknown tags', () => {
  const w = new ByteWriter().varint(2).varint(5).varint(SAFE_IGNORE_TAG + 1).lengthPrefixed(b('future'))
  assert.equal(decodeEdit(w.finish(), 'test').logNumber, 5)
  const bad = new ByteWriter().varint(50).varint(1).finish()
  assert.throws(() => decodeEdit(bad, 'MANIFEST-000001'), (e: unknown) => e instanceof ShaleError && e.code === 'CORRUPTION' && /MANIFEST-000001/.test(e.message))
})

// Record checksums catch truncation in the MANIFEST; the decoder's job is to never read
// past the end or invent a file from half a field.
test('version edit truncated at any byte is an error or a shorter valid edit', () => {
  const full = encodeEdit({ logNumber: 3, deletedFiles: [], newFiles: [{ level: 0, file: { number: 4, size: 10, smallestKey: b('k'), smallestSeq: 1, largestKey: b('m'), largestSeq: 2 } }] })
  for (let cut = 1; cut < full.length; cut++) {
    try {
      const e = decodeEdit(full.subarray(0, cut), 'm')
      assert.equal(e.newFiles.length, 0, `cut at ${cut} decoded a partial file`)
    } catch (e) {
      assert.ok(e instanceof ShaleError && e.code === 'CORRUPTION', `cut at ${cut}: ${String(e)}`)
    }
  }
})

test('compaction pointers round-trip, as optional fields an older reader can skip', () => {
  const edit: VersionEdit = { deletedFiles: [], newFiles: [], compactPointers: [{ level: 1, key: b('m') }, { level: 5, key: new Uint8Array(0) }] }
  const bytes = encodeEdit(edit)
  const back = decodeEdit(bytes, 'test')
  assert.deepEqual(back.compactPointers?.map((p) => ({ level: p.level, key: [...p.key] })), [{ level: 1, key: [...b('m')] }, { level: 5, key: [] }])
  // docs/format.md: tag 8194, then lp-bytes holding varint level and the key.
  assert.deepEqual([...bytes.subarray(0, 5)], [...new ByteWriter().varint(SAFE_IGNORE_TAG + 2).lengthPrefixed(new Uint8Array([1, ...b('m')])).finish()])
  const bad = new ByteWriter().varint(SAFE_IGNORE_TAG + 2).lengthPrefixed(new Uint8Array([9, 0x61])).finish()
  assert.throws(() => decodeEdit(bad, 'm'), (e: unknown) => e instanceof ShaleError && e.code === 'CORRUPTION')
})
