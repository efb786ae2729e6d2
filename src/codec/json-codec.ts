/**
 * A fast, exact codec for the values Prisma returns: JSON whose special values (`Date`, `BigInt`,
 * `Prisma.Decimal`, bytes, non-finite numbers and `-0`) are strings tagged by a leading NUL and a
 * type letter; a string that itself starts with NUL is tagged too, so every string round-trips.
 *
 * Why not superjson for everything: superjson records a path per special value and replays the
 * paths on decode, which costs ~7× a plain `JSON.parse` on a 2,000-row result. Here decoding is
 * one `JSON.parse` plus one walk, skipped entirely when the value held nothing special. Anything
 * this codec does not know (Map, Set, class instances, `undefined`, ...) makes {@link encodeJson}
 * return `undefined`, and the caller falls back to superjson.
 */
import { Decimal } from '@prisma/client/runtime/client'

const TAG = '\u0000'
const TAG_CODE = 0

class Unsupported extends Error {}

/** The encoded text, and whether any tagged value is in it (else decoding skips the walk). */
export interface JsonEncoded {
  text: string
  tagged: boolean
}

/** Characters of strings and keys the encoding may still take before it gives up (see {@link encodeJson}). */
let budget = Infinity
let tagged = false

/** Thrown by {@link encodeJson} when the text would exceed its `maxChars`. */
export class TooLarge extends Error {}

/** A string JSON.stringify would write differently than `"` + s + `"` (escapes, lone surrogates). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

/**
 * Keys as JSON text with their colon: results repeat the same few field names on every row, so
 * each is escaped once. Bounded in count and in key length, as keys of `Json` columns are the
 * user's data: a long key is escaped every time rather than held.
 */
const keyTexts = new Map<string, string>()
const KEY_TEXTS = 2048
const KEY_TEXT_CHARS = 64

/** A key and its colon as JSON text; keys are never tagged (only values are revived). */
function encodeKey(key: string): string {
  // Strings are what makes a result large: stop before building a text that cannot be stored.
  if ((budget -= key.length) < 0) throw new TooLarge()
  let text = keyTexts.get(key)
  if (text === undefined) {
    text = (NEEDS_ESCAPE.test(key) ? JSON.stringify(key) : '"' + key + '"') + ':'
    if (key.length > KEY_TEXT_CHARS) return text
    if (keyTexts.size >= KEY_TEXTS) keyTexts.clear()
    keyTexts.set(key, text)
  }
  return text
}

function encodeString(text: string): string {
  if ((budget -= text.length) < 0) throw new TooLarge()
  if (!NEEDS_ESCAPE.test(text)) return '"' + text + '"'
  if (text.charCodeAt(0) === TAG_CODE) {
    tagged = true
    return JSON.stringify(TAG + 'S' + text)
  }
  return JSON.stringify(text)
}

/** `body` tagged with `type`, as JSON text (the NUL written as JSON escapes it). */
function tagText(type: string, body: string): string {
  tagged = true
  return '"\\u0000' + type + body + '"'
}

/**
 * Writes the JSON text of `value` directly, as `JSON.stringify` with a replacer would but ~3×
 * faster: a replacer is called for every value and keeps V8 off its fast path, and `Date` and
 * `Decimal` would go through their `toJSON` first.
 */
function encodeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value)
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? '' + value : tagText('N', Object.is(value, -0) ? '-0' : String(value))
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return tagText('B', value.toString())
    case 'object': {
      if (value === null) return 'null'
      const proto = Object.getPrototypeOf(value) as unknown
      // Rows first: they are most of what a result holds.
      if (proto === Object.prototype || proto === null) return encodeObject(value as Record<string, unknown>)
      if (Array.isArray(value)) {
        let text = '['
        for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + encodeValue(value[i])
        return text + ']'
      }
      if (value instanceof Date) return tagText('D', String(value.getTime()))
      if (Decimal.isDecimal(value)) return tagText('M', (value as Decimal).toJSON())
      if (value instanceof Uint8Array) return tagText(Buffer.isBuffer(value) ? 'F' : 'U', Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'))
      throw new Unsupported()
    }
    default:
      throw new Unsupported() // undefined (superjson keeps it), functions, symbols
  }
}

/**
 * A plain object's own enumerable properties, as `JSON.stringify` takes them. `for...in` allocates
 * no key array; it would also see enumerable properties inherited from a polluted
 * `Object.prototype`, so then (checked once per encoding) `Object.keys` is used.
 */
function encodeObject(value: Record<string, unknown>): string {
  let text = '{'
  let first = true
  if (prototypePolluted) {
    for (const key of Object.keys(value)) {
      text += (first ? '' : ',') + encodeKey(key) + encodeValue(value[key])
      first = false
    }
  } else {
    for (const key in value) {
      text += (first ? '' : ',') + encodeKey(key) + encodeValue(value[key])
      first = false
    }
  }
  return text + '}'
}

let prototypePolluted = false
const EMPTY = {}

function enumeratesInherited(): boolean {
  for (const _ in EMPTY) return true
  return false
}

/**
 * Encodes `value`, or returns `undefined` when it holds something this codec does not know.
 * Throws {@link TooLarge} as soon as its strings and keys pass `maxChars` characters (a lower
 * bound of the text's length), so a result too large to cache is never copied whole into text.
 */
export function encodeJson(value: unknown, maxChars = Infinity): JsonEncoded | undefined {
  tagged = false
  budget = maxChars
  prototypePolluted = enumeratesInherited()
  try {
    const text = encodeValue(value)
    return { text, tagged }
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    throw error
  }
}

/** Decodes text from {@link encodeJson} into fresh objects. */
export function decodeJson(text: string, tagged: boolean): unknown {
  const value = JSON.parse(text) as unknown
  if (!tagged) return value
  if (typeof value === 'string') return value.charCodeAt(0) === TAG_CODE ? untag(value) : value
  if (typeof value === 'object' && value !== null) reviveInPlace(value as Record<string, unknown>)
  return value
}

function reviveInPlace(node: Record<string, unknown> | unknown[]): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const item = node[i]
      if (typeof item === 'string') {
        if (item.charCodeAt(0) === TAG_CODE) node[i] = untag(item)
      } else if (typeof item === 'object' && item !== null) reviveInPlace(item as Record<string, unknown>)
    }
    return
  }
  for (const key in node) {
    const item = node[key]
    if (typeof item === 'string') {
      if (item.charCodeAt(0) === TAG_CODE) {
        // Assignment is several times cheaper than defineProperty on every tagged value; only an
        // own `__proto__` key (valid JSON data) needs defineProperty, so it stays data, never a prototype.
        if (key === '__proto__') Object.defineProperty(node, key, { value: untag(item), writable: true, enumerable: true, configurable: true })
        else node[key] = untag(item)
      }
    } else if (typeof item === 'object' && item !== null) reviveInPlace(item as Record<string, unknown>)
  }
}

function untag(text: string): unknown {
  const body = text.slice(2)
  switch (text[1]) {
    case 'S':
      return body
    case 'N':
      return Number(body)
    case 'B':
      return BigInt(body)
    case 'D':
      return new Date(Number(body))
    case 'M':
      return new Decimal(body)
    case 'F':
      return Buffer.from(body, 'base64')
    case 'U':
      return new Uint8Array(Buffer.from(body, 'base64'))
    default:
      throw new Error(`unknown tag ${JSON.stringify(text.slice(0, 2))}`)
  }
}
