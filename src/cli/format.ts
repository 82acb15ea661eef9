// How the CLI reads keys and values from arguments and prints them: UTF-8 text or hex.

import { Option } from 'commander'
import { ShaleError } from '../index.js'

export type ByteFormat = 'utf8' | 'hex'

/** `-f, --format`, limited to the two formats so a typo is a usage error, not a silent guess. */
export function formatOption(description: string): Option {
  return new Option('-f, --format <format>', description).choices(['utf8', 'hex']).default('utf8')
}

/** Buffer.from(text, 'hex') stops silently at the first bad digit, so check first. */
export function isHex(text: string): boolean {
  return /^([0-9a-fA-F]{2})*$/.test(text)
}

export function parseBytes(text: string, format: ByteFormat): Buffer {
  if (format === 'utf8') return Buffer.from(text, 'utf8')
  if (!isHex(text)) throw new ShaleError('INVALID_ARGUMENT', `Invalid hex ${JSON.stringify(text)}: expected pairs of hex digits`)
  return Buffer.from(text, 'hex')
}

export function showBytes(bytes: Uint8Array, format: ByteFormat): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(format)
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v), 2)}\n`)
}

/** Prints rows as an aligned text table. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))]
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)))
  for (const row of cells) process.stdout.write(`${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`)
}
