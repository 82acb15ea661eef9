import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ShaleError } from '../../src/errors.js'
import { ValueKind, compareInternalKeys } from '../../src/base/internal-key.js'
import { ByteWriter } from '../../src/util/coding.js'
import { Block, BlockCursor } from '../../src/table/block.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import { BLOCK_TRAILER_SIZE, FOOTER_SIZE, type BlockHandle, decodeBlockHandle, decodeFooter, encodeBlockHandle, encodeFooter, writeBlockTrailer } from '../../src/table/format.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { TableReader } from '../../src/table/table-reader.js'
import { MemoryRandomAccessFile, MemoryWritableFile } from '../helpers/memory-files.js'

// Damaged tables must fail loudly (CORRUPTION naming the file and block) or answer
// correctly; they must never return a wrong value. The filter is checksummed like every
// other block and a damaged one fails open() (it is not silently ignored).

const enc = new TextEncoder()
const dec = new TextDecoder()
const FILE = '000123.sst'

interface Entry {
  key: string
  seq: number
  kind: ValueKind
  value: string
}

const entries: Entry[] = []
for (let i = 0; i < 40; i++) {
  const key = `key-${String(i).padStart(3, '0')}`
  entries.push({ key, seq: 100 + i, kind: i % 7 === 3 ? ValueKind.Deletion : ValueKind.Value, value: `value number ${i}` })
  if (i % 5 === 0) entries.push({ key, seq: 50 + i, kind: ValueKind.Value, value: `older ${i}` })
}

function buildTable(compression: 'lz4' | 'none'): Uint8Array {
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, { blockSize: 128, restartInterval: 3, bloomBitsPerKey: 10, compression }, FILE)
  for (const e of entries) builder.add(enc.encode(e.key), e.seq, e.kind, enc.encode(e.value))
  builder.finish()
  return file.bytes()
}

function openTable(bytes: Uint8Array, paranoidChecks = true): TableReader {
  return TableReader.open(new MemoryRandomAccessFile(bytes), FILE, { blockCache: undefined, paranoidChecks, search: 'binary' })
}

const isCorruption = (err: unknown): boolean => err instanceof ShaleError && err.code === 'CORRUPTION'
const corruptionAt = (offset: number) => (err: unknown) =>
  isCorruption(err) && (err as Error).message.includes(FILE) && (err as Error).message.includes(`block at offset ${offset}`)

interface Outcome {
  corruptions: string[]
  wrong: string[]
}

/**
 * Opens the table and runs every lookup and a scan in both directions, each on its own so
 * one CORRUPTION does not hide the others. Wrong answers are collected, not thrown, so
 * callers decide whether they are acceptable.
 */
function exercise(bytes: Uint8Array, paranoidChecks = true): Outcome {
  const out: Outcome = { corruptions: [], wrong: [] }
  const attempt = (what: string, fn: () => void): void => {
    try {
      fn()
    } catch (err) {
      if (!isCorruption(err)) throw err
      out.corruptions.push(`${what}: ${(err as Error).message}`)
    }
  }
  let reader: TableReader | undefined
  attempt('open', () => {
    reader = openTable(bytes, paranoidChecks)
  })
  if (reader === undefined) return out
  const r = reader
  for (const e of entries) {
    attempt(`get ${e.key}@${e.seq}`, () => {
      const got = r.get(enc.encode(e.key), e.seq)
      if (got === undefined || got.seq !== e.seq || got.kind !== e.kind || dec.decode(got.value) !== e.value) out.wrong.push(`get ${e.key}@${e.seq}`)
    })
  }
  attempt('absent key', () => {
    if (r.get(enc.encode('key-999'), 1000) !== undefined) out.wrong.push('absent key found')
  })
  const expected = entries.map((e) => `${e.key}@${e.seq}:${e.kind}=${e.value}`)
  attempt('forward scan', () => {
    const it = r.iterator()
    const seen: string[] = []
    for (it.seekToFirst(); it.valid(); it.next()) seen.push(`${dec.decode(it.key())}@${it.seq()}:${it.kind()}=${dec.decode(it.value())}`)
    if (seen.join('|') !== expected.join('|')) out.wrong.push('forward scan')
  })
  attempt('backward scan', () => {
    const it = r.iterator()
    const seen: string[] = []
    for (it.seekToLast(); it.valid(); it.prev()) seen.push(`${dec.decode(it.key())}@${it.seq()}:${it.kind()}=${dec.decode(it.value())}`)
    if (seen.reverse().join('|') !== expected.join('|')) out.wrong.push('backward scan')
  })
  return out
}

// Every case runs on LZ4-compressed data blocks (all of this table's compress) and on
// blocks stored as is.
for (const compression of ['lz4', 'none'] as const) {
  const pristine = buildTable(compression)
  const footer = decodeFooter(pristine.subarray(pristine.length - FOOTER_SIZE), pristine.length, FILE)
  const dataBlocks: BlockHandle[] = (() => {
    const index = new Block(pristine.subarray(footer.index.offset, footer.index.offset + footer.index.size), FILE, footer.index.offset)
    const c = new BlockCursor(index, compareInternalKeys)
    const out: BlockHandle[] = []
    for (c.seekToFirst(); c.valid(); c.next()) out.push(decodeBlockHandle(c.value()))
    return out
  })()

  function flipped(at: number, xor = 0x01): Uint8Array {
    const bytes = pristine.slice()
    bytes[at]! ^= xor
    return bytes
  }

  test(`the pristine table reads back correctly (${compression})`, () => {
    assert.ok(dataBlocks.length >= 8, `${dataBlocks.length} data blocks`)
    assert.deepEqual(exercise(pristine), { corruptions: [], wrong: [] })
  })

  test(`a flipped byte in each data block is CORRUPTION naming that block; other blocks still read (${compression})`, () => {
    for (const h of dataBlocks) {
      const positions = [h.offset, h.offset + (h.size >> 1), h.offset + h.size - 1, h.offset + h.size, h.offset + h.size + 1, h.offset + h.size + 4]
      for (const at of positions) {
        const outcome = exercise(flipped(at))
        assert.deepEqual(outcome.wrong, [], `byte ${at}`)
        assert.ok(outcome.corruptions.length > 0, `byte ${at}: no corruption reported`)
        assert.ok(outcome.corruptions.every((m) => m.includes(`block at offset ${h.offset}`) && m.includes(FILE)), `byte ${at}: ${outcome.corruptions[0]}`)
        // Only lookups that land in the damaged block fail.
        assert.ok(outcome.corruptions.length < entries.length, `byte ${at}: every lookup failed`)
      }
    }
  })

  test(`a flipped byte in the index block fails open() with CORRUPTION (${compression})`, () => {
    for (let at = footer.index.offset; at < footer.index.offset + footer.index.size + BLOCK_TRAILER_SIZE; at++) {
      assert.throws(() => openTable(flipped(at)), corruptionAt(footer.index.offset), `byte ${at}`)
    }
  })

  test(`a flipped byte in the filter block fails open() with CORRUPTION (${compression})`, () => {
    assert.ok(footer.filter.size > 0)
    for (let at = footer.filter.offset; at < footer.filter.offset + footer.filter.size + BLOCK_TRAILER_SIZE; at++) {
      assert.throws(() => openTable(flipped(at)), corruptionAt(footer.filter.offset), `byte ${at}`)
    }
  })

  test(`a flipped byte in the properties block fails open() with CORRUPTION (${compression})`, () => {
    for (let at = footer.properties.offset; at < footer.properties.offset + footer.properties.size + BLOCK_TRAILER_SIZE; at++) {
      assert.throws(() => openTable(flipped(at)), corruptionAt(footer.properties.offset), `byte ${at}`)
    }
  })

  test(`a flipped byte in the footer fails open() with CORRUPTION (${compression})`, () => {
    const footerAt = pristine.length - FOOTER_SIZE
    for (let at = footerAt; at < pristine.length; at++) {
      assert.throws(
        () => openTable(flipped(at)),
        (err: unknown) => isCorruption(err) && (err as Error).message.includes(`${FILE}: footer at offset ${footerAt}`),
        `byte ${at}`,
      )
    }
  })

  test(`a truncated table fails open() with CORRUPTION at every length (${compression})`, () => {
    for (let len = 0; len < pristine.length; len++) {
      assert.throws(() => openTable(pristine.subarray(0, len)), (err: unknown) => isCorruption(err) && (err as Error).message.includes(FILE), `length ${len}`)
    }
  })

  test(`every single-bit flip anywhere is detected and never yields a wrong value (${compression})`, () => {
    for (let at = 0; at < pristine.length; at++) {
      for (const xor of [0x01, 0x80]) {
        const outcome = exercise(flipped(at, xor))
        assert.deepEqual(outcome.wrong, [], `byte ${at} ^ ${xor}`)
        assert.ok(outcome.corruptions.length > 0, `byte ${at} ^ ${xor}: damage went unnoticed`)
      }
    }
  })

  test(`without paranoid checks, damaged data blocks still only ever throw CORRUPTION (${compression})`, () => {
    // Values may come back wrong here (that is what the checksum is for), but the decoder
    // must stay within bounds and report structural damage as CORRUPTION.
    for (const h of dataBlocks) {
      for (let at = h.offset; at < h.offset + h.size + BLOCK_TRAILER_SIZE; at++) {
        for (const xor of [0x01, 0x10, 0xff]) exercise(flipped(at, xor), false)
      }
    }
  })

  test(`an index handle pointing outside the data region is CORRUPTION naming the index block (${compression})`, () => {
    // Rebuild the metadata with a checksum-valid index whose second handle overruns the file.
    const w = new ByteWriter()
    w.bytes(pristine.subarray(0, footer.index.offset))
    const index = new BlockBuilder(1)
    const old = new Block(pristine.subarray(footer.index.offset, footer.index.offset + footer.index.size), FILE, footer.index.offset)
    const c = new BlockCursor(old, compareInternalKeys)
    let i = 0
    for (c.seekToFirst(); c.valid(); c.next(), i++) {
      const h = decodeBlockHandle(c.value())
      const v = new ByteWriter()
      encodeBlockHandle(v, i === 1 ? { offset: h.offset, size: 1_000_000 } : h)
      index.add(c.key(), v.view())
    }
    const contents = index.finish()
    const indexHandle = { offset: w.length, size: contents.length }
    w.bytes(contents)
    writeBlockTrailer(w, contents)
    w.bytes(encodeFooter({ filter: footer.filter, index: indexHandle, properties: footer.properties }))
    const reader = openTable(w.finish())
    const first = entries[0]!
    assert.equal(dec.decode(reader.get(enc.encode(first.key), first.seq)!.value), first.value)
    assert.throws(
      () => {
        const it = reader.iterator()
        for (it.seekToFirst(); it.valid(); it.next());
      },
      corruptionAt(dataBlocks[1]!.offset),
    )
  })
}
