/**
 * The stored form of an entry: a one-line JSON header (versions of the dependencies the entry
 * was computed under, freshness times, flags), a newline, then the payload (our JSON codec, or
 * superjson for values it does not know), compressed
 * (brotli) when large and bound for a shared store. The header is readable without touching the payload, so validating an entry costs
 * no decoding; a value that does not start with the magic is foreign and reads as a miss.
 */
import { promisify } from 'node:util'
import { brotliCompress, brotliDecompress, brotliDecompressSync, constants as zlib, inflateRaw, inflateRawSync } from 'node:zlib'
import { Decimal } from '@prisma/client/runtime/client'
import { SuperJSON } from 'superjson'
import { CacheSerializationError } from '../errors.js'
import { decodeJson, encodeJson, TooLarge } from './json-codec.js'
import { escapeUnsafeKeys, restoreUnsafeKeys } from './unsafe-keys.js'
import type { Signer } from './signer.js'

const inflate = promisify(inflateRaw)
const brotli = promisify(brotliCompress)
const unbrotli = promisify(brotliDecompress)

/**
 * Brotli at quality 1, chosen by measurement (`npx tsx bench/compression.ts`): on a 2,000-row
 * result it compresses several times faster than deflate and smaller, and decompresses about as
 * fast. Entries deflated by earlier versions are still read.
 */
const compress = (text: string) =>
  brotli(text, { params: { [zlib.BROTLI_PARAM_QUALITY]: 1, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(text) } })

/** The payload of a compressed entry, as text. */
function decompress(header: EntryHeader, payload: string | Buffer): Promise<Buffer> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload
  return header.compression === 'deflate' ? inflate(bytes) : unbrotli(bytes)
}
const MAGIC = 'pqc1'
const NEWLINE = 0x0a

/**
 * A private instance: registering Prisma's types on the global `superjson` would change the host
 * application's superjson too (tRPC's, for one).
 */
const superjson = new SuperJSON()

superjson.registerCustom<Decimal, string>(
  { isApplicable: (v): v is Decimal => Decimal.isDecimal(v), serialize: (v) => v.toJSON(), deserialize: (v) => new Decimal(v) },
  'prisma.Decimal',
)
superjson.registerCustom<Buffer, string>(
  { isApplicable: (v): v is Buffer => Buffer.isBuffer(v), serialize: (v) => v.toString('base64'), deserialize: (v) => Buffer.from(v, 'base64') },
  'bytes.Buffer',
)
superjson.registerCustom<Uint8Array, string>(
  {
    isApplicable: (v): v is Uint8Array => v instanceof Uint8Array && !Buffer.isBuffer(v),
    serialize: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'),
    deserialize: (v) => new Uint8Array(Buffer.from(v, 'base64')),
  },
  'bytes.Uint8Array',
)

/** What an entry records besides its value. Times are epoch milliseconds. */
export interface EntryHeader {
  /** Dependency tags and the version each had before the value was computed. */
  deps: [tag: string, version: string][]
  createdAt: number
  freshUntil: number
  staleUntil: number
  /** Keys such as `__proto__` were escaped in the payload. */
  escaped?: boolean
  compressed?: boolean
  /** How a compressed payload was compressed (`'deflate'`: entries of earlier versions). */
  compression?: 'deflate' | 'brotli'
  /** Payload encoding; absent means superjson. */
  codec?: Codec
}

/** A stored value split into its header and its still-encoded payload. */
export interface ParsedEntry {
  header: EntryHeader
  payload: string | Buffer
}

/** How a payload is encoded: our JSON codec (with or without tagged values) or superjson. */
export type Codec = 'json' | 'json-tagged' | 'superjson'

/** A serialized value. `escaped`: superjson payload whose unsafe keys were escaped. */
export interface Serialized {
  text: string
  codec: Codec
  escaped: boolean
}

/**
 * Serializes `value`: Prisma results (and any plain data) with the fast JSON codec; anything it
 * does not know (Map, Set, class instances, `undefined`) with superjson, escaping the keys
 * superjson refuses (`__proto__`, ...).
 */
export function serializeValue(value: unknown): Serialized {
  const json = encodeJson(value)
  if (json) return { text: json.text, codec: json.tagged ? 'json-tagged' : 'json', escaped: false }
  try {
    return { text: superjson.stringify(value), codec: 'superjson', escaped: false }
  } catch (error) {
    if (!/prototype pollution/.test(String(error))) throw new CacheSerializationError('value cannot be serialized', error)
    return { text: superjson.stringify(escapeUnsafeKeys(value)), codec: 'superjson', escaped: true }
  }
}

/**
 * {@link serializeValue}, or `undefined` when the text is sure to exceed `maxBytes`: the codec
 * stops as soon as the strings it met pass the limit, before building the whole text (a 200 MB
 * result would otherwise be held twice). Values only superjson knows are serialized whole.
 */
export function serializeWithin(value: unknown, maxBytes: number): Serialized | undefined {
  try {
    const json = encodeJson(value, maxBytes)
    if (json) return { text: json.text, codec: json.tagged ? 'json-tagged' : 'json', escaped: false }
  } catch (error) {
    if (error instanceof TooLarge) return undefined
    throw error
  }
  return serializeValue(value)
}

/**
 * The UTF-8 size of `text` as far as `maxBytes` and `compressAbove` (0: never) need it: its length
 * when even three bytes per UTF-16 unit (UTF-8's most) keep it under both, so no decision changes;
 * its byte count otherwise. Counting flattens a text built by concatenation, on a miss's path.
 */
export function sizeWithin(text: string, maxBytes: number, compressAbove: number): number {
  const bound = text.length * 3
  return bound <= maxBytes && (compressAbove === 0 || bound <= compressAbove) ? text.length : Buffer.byteLength(text)
}

/** Parses text from {@link serializeValue} back into a fresh value. */
export function deserializeValue(serialized: Serialized): unknown {
  const { text, codec, escaped } = serialized
  if (codec !== 'superjson') return decodeJson(text, codec === 'json-tagged')
  const value = superjson.parse(text)
  return escaped ? restoreUnsafeKeys(value) : value
}

/**
 * Builds the stored form of a serialized value. Returns `undefined` when it exceeds `maxBytes`.
 * With a `signer` (option `sign`), the result carries a MAC bound to the store `key`.
 */
export async function encodeEntry(
  serialized: Serialized,
  header: Omit<EntryHeader, 'escaped' | 'compressed' | 'compression' | 'codec'>,
  limits: { maxBytes: number; compressAbove: number },
  signer?: Signer,
  key = '',
  size = Buffer.byteLength(serialized.text),
): Promise<string | Buffer | undefined> {
  if (!(limits.compressAbove > 0 && size > limits.compressAbove)) return encodeUncompressed(serialized, header, limits.maxBytes, signer, key, size)
  if (size > limits.maxBytes) return undefined
  const head = MAGIC + headerText(header, serialized.escaped, true, serialized.codec) + '\n'
  const envelope = Buffer.concat([Buffer.from(head), await compress(serialized.text)])
  return signer ? signer.seal(key, envelope) : envelope
}

/** {@link encodeEntry} without compression, synchronously (what an in-process store holds). */
export function encodeUncompressed(
  serialized: Serialized,
  header: Omit<EntryHeader, 'escaped' | 'compressed' | 'compression' | 'codec'>,
  maxBytes: number,
  signer: Signer | undefined,
  key: string,
  size: number,
): string | Buffer | undefined {
  if (size > maxBytes) return undefined
  const envelope = MAGIC + headerText(header, serialized.escaped, false, serialized.codec) + '\n' + serialized.text
  return signer ? signer.seal(key, envelope) : envelope
}

/**
 * The header line, written directly: it is built on every miss (same JSON as {@link headerToJson}
 * gives). The times are finite: TTLs are validated to whole milliseconds of at most 2^53 - 1.
 */
function headerText(h: Pick<EntryHeader, 'deps' | 'createdAt' | 'freshUntil' | 'staleUntil'>, escaped: boolean, compressed: boolean, codec: Codec): string {
  const j = codec === 'json' ? ',"j":1' : codec === 'json-tagged' ? ',"j":2' : ''
  return `{"d":${JSON.stringify(h.deps)},"c":${h.createdAt},"f":${h.freshUntil},"s":${h.staleUntil}${escaped ? ',"e":1' : ''}${compressed ? ',"z":2' : ''}${j}}`
}

/**
 * Splits a stored value into header and payload; throws {@link CacheSerializationError} on
 * anything foreign. With a `signer`, the MAC is checked first (against the store `key` the value
 * was read from): a missing or wrong one throws `CacheSignatureError` before any parsing.
 */
export function parseEntry(stored: string | Buffer, signer?: Signer, key = ''): ParsedEntry {
  const raw = signer ? signer.open(key, stored) : stored
  const isString = typeof raw === 'string'
  const newline = isString ? raw.indexOf('\n') : raw.indexOf(NEWLINE)
  const magic = isString ? raw.slice(0, 4) : raw.toString('latin1', 0, 4)
  if (newline < 0 || magic !== MAGIC) throw new CacheSerializationError('stored value is not an entry of this library')
  const headText = isString ? raw.slice(4, newline) : raw.toString('utf8', 4, newline)
  let header: EntryHeader
  try {
    header = headerFromJson(JSON.parse(headText))
  } catch (error) {
    throw new CacheSerializationError('stored entry header is corrupt', error)
  }
  const payload = isString ? raw.slice(newline + 1) : raw.subarray(newline + 1)
  return { header, payload }
}

/** `entry` with its payload inflated (itself when it was not compressed). */
export async function inflateEntry(entry: ParsedEntry): Promise<ParsedEntry> {
  const { payload, header } = entry
  if (!header.compressed) return entry
  try {
    const text = await decompress(header, payload)
    return { header: { ...header, compressed: false, compression: undefined }, payload: text.toString('utf8') }
  } catch (error) {
    throw new CacheSerializationError('stored entry payload is corrupt', error)
  }
}

/** The stored form of a parsed, uncompressed entry (what {@link parseEntry} reads back). */
export function storedForm(entry: ParsedEntry): string {
  const payload = typeof entry.payload === 'string' ? entry.payload : entry.payload.toString('utf8')
  return MAGIC + JSON.stringify(headerToJson(entry.header)) + '\n' + payload
}

/** Decodes a payload into a fresh copy of the cached value. */
export function decodePayload(entry: ParsedEntry): unknown | Promise<unknown> {
  const { payload, header } = entry
  // Uncompressed payloads decode synchronously: a hit should not pay for extra promise turns.
  if (!header.compressed) return decodeText(typeof payload === 'string' ? payload : payload.toString('utf8'), header)
  return decompress(header, payload).then(
    (text) => decodeText(text.toString('utf8'), header),
    (error) => {
      throw new CacheSerializationError('stored entry payload is corrupt', error)
    },
  )
}

/**
 * The payload of `entry` as text, inflated synchronously when compressed. A hit decodes that text
 * synchronously anyway, and parsing it costs several times the inflating (brotli inflates a
 * 2,000-row payload in ~0.2 ms; `JSON.parse` and restoring take ~1.5 ms): the thread-pool round
 * trip of the async inflate only added latency (~0.5 ms measured on that payload) to every hit.
 */
export function payloadText(entry: ParsedEntry): string {
  const { payload, header } = entry
  if (!header.compressed) return typeof payload === 'string' ? payload : payload.toString('utf8')
  try {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload
    return (header.compression === 'deflate' ? inflateRawSync(bytes) : brotliDecompressSync(bytes)).toString('utf8')
  } catch (error) {
    throw new CacheSerializationError('stored entry payload is corrupt', error)
  }
}

/** Decodes a payload's text (from {@link payloadText}) into a fresh value; throws `CacheSerializationError`. */
export function decodeText(text: string, header: EntryHeader): unknown {
  try {
    return deserializeValue({ text, codec: header.codec ?? 'superjson', escaped: header.escaped === true })
  } catch (error) {
    throw new CacheSerializationError('stored entry payload is corrupt', error)
  }
}

function headerToJson(h: EntryHeader): Record<string, unknown> {
  const codec = h.codec === 'json' ? 1 : h.codec === 'json-tagged' ? 2 : undefined
  return { d: h.deps, c: h.createdAt, f: h.freshUntil, s: h.staleUntil, ...(h.escaped && { e: 1 }), ...(h.compressed && { z: h.compression === 'deflate' ? 1 : 2 }), ...(codec && { j: codec }) }
}

function headerFromJson(j: Record<string, unknown>): EntryHeader {
  const deps = j.d
  const ok = Array.isArray(deps) && deps.every((d) => Array.isArray(d) && typeof d[0] === 'string' && typeof d[1] === 'string')
  if (!ok || typeof j.c !== 'number' || typeof j.f !== 'number' || typeof j.s !== 'number') {
    throw new Error('missing header fields')
  }
  const codec: Codec = j.j === 1 ? 'json' : j.j === 2 ? 'json-tagged' : 'superjson'
  return { deps: deps as EntryHeader['deps'], createdAt: j.c, freshUntil: j.f, staleUntil: j.s, escaped: j.e === 1, compressed: j.z === 1 || j.z === 2, ...(j.z === 1 && { compression: 'deflate' as const }), ...(j.z === 2 && { compression: 'brotli' as const }), codec }
}
