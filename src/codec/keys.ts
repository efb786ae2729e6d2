/**
 * Cache keys. Arguments are encoded canonically — object key order does not matter, and every
 * value carries its type, so a `Date`, a `BigInt`, a `Decimal` and a string of the same text
 * never collide — then hashed with SHA-256.
 *
 * Key layout (all under the namespace `ns`):
 *   ns:e:<fingerprint>:<Model>:<operation>:<scope>:<sha256>   an entry of a Prisma read
 *   ns:e:<fingerprint>:<Model>:<operation>:<scope>:k:<key>    an entry with a user-chosen `cache.key`
 * where <scope> is `_` (no scope), `s<value>` (short plain values) or `h<sha256 of the value>`.
 *   ns:u:<key>                                                 an entry of the low-level `$cache` API
 *   ns:v:<tag>                                                 the current version of a dependency tag
 *   ns:l:<entry key without ns>                                the stampede lock of an entry
 * The schema fingerprint keeps deployments with different schemas from reading each other's
 * entries. Versions carry no fingerprint on purpose: deployments share the database, so a write
 * in one must invalidate the entries of the other.
 */
import * as crypto from 'node:crypto'

/**
 * Encodes `value` into a string that is equal for equal meaning and differs otherwise. Time and
 * output are linear in the size of `value` (plus sorting each object's keys). Arguments come from
 * callers, so no nesting depth may overflow the call stack: past {@link RECURSION_DEPTH} levels the
 * rest is encoded by an explicit stack (same output; recursion is kept above it because it is
 * about twice as fast on ordinary arguments).
 */
export function canonicalize(value: unknown): string {
  return typeof value === 'object' && value !== null ? canonicalObject(value, 0) : canonicalScalar(value)
}

const RECURSION_DEPTH = 100

function canonicalObject(value: object, depth: number): string {
  if (depth > RECURSION_DEPTH) return canonicalIterative(value)
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalChild(value[i], depth)
    return out + ']'
  }
  if (value instanceof Date) return canonicalDate(value)
  if (value instanceof Uint8Array) return canonicalBytes(value)
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) {
    if (isDecimalLike(value)) return 'M' + value.toString()
    return instanceName(value) + (Object.keys(value).length > 0 ? canonicalObject({ ...value }, depth + 1) : '')
  }
  const keys = Object.keys(value).sort()
  let out = '{'
  let first = true
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key]
    if (v === undefined) continue
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalChild(v, depth)
    first = false
  }
  return out + '}'
}

function canonicalChild(value: unknown, depth: number): string {
  return typeof value === 'object' && value !== null ? canonicalObject(value, depth + 1) : canonicalScalar(value)
}

function canonicalDate(value: Date): string {
  return 'D' + (Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString())
}

function canonicalBytes(value: Uint8Array): string {
  return 'B' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
}

/** Class instances (Prisma's null markers DbNull, JsonNull, AnyNull, anything else) by name, then fields. */
function instanceName(value: object): string {
  return 'O' + ((value.constructor as { name?: string } | undefined)?.name ?? 'Object')
}

/** {@link canonicalObject} without recursion, for arguments nested deeper than {@link RECURSION_DEPTH}. */
function canonicalIterative(value: object): string {
  let out = ''
  // Two stacks in step: the next thing to do is either a value to encode or literal text to emit.
  const items: unknown[] = [value]
  const literal: boolean[] = [false]
  const push = (item: unknown, isLiteral: boolean) => {
    items.push(item)
    literal.push(isLiteral)
  }
  while (items.length > 0) {
    const item = items.pop()
    if (literal.pop()) {
      out += item as string
      continue
    }
    if (typeof item !== 'object' || item === null) {
      out += canonicalScalar(item)
      continue
    }
    if (Array.isArray(item)) {
      out += '['
      push(']', true)
      for (let i = item.length - 1; i >= 0; i--) {
        push(item[i], false)
        if (i > 0) push(',', true)
      }
      continue
    }
    if (item instanceof Date || item instanceof Uint8Array) {
      out += item instanceof Date ? canonicalDate(item) : canonicalBytes(item)
      continue
    }
    const proto = Object.getPrototypeOf(item) as unknown
    if (proto !== Object.prototype && proto !== null) {
      if (isDecimalLike(item)) {
        out += 'M' + item.toString()
        continue
      }
      out += instanceName(item)
      if (Object.keys(item).length > 0) push({ ...item }, false)
      continue
    }
    const record = item as Record<string, unknown>
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort()
    out += '{'
    push('}', true)
    for (let i = keys.length - 1; i >= 0; i--) {
      push(record[keys[i]!], false)
      push((i > 0 ? ',' : '') + JSON.stringify(keys[i]) + ':', true)
    }
  }
  return out
}

function canonicalScalar(value: unknown): string {
  switch (typeof value) {
    case 'string': return 's' + JSON.stringify(value)
    case 'number': return 'd' + String(value)
    case 'boolean': return value ? 't' : 'f'
    case 'bigint': return 'b' + value.toString()
    case 'undefined': return 'u'
    case 'object': return 'n' // null: objects never reach here
    default: return 'x' + typeof value
  }
}

/** Duck-types decimal.js instances (Prisma.Decimal), whichever copy of the class created them. */
function isDecimalLike(value: unknown): value is { toString(): string; toFixed(): string } {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return Array.isArray(v.d) && typeof v.e === 'number' && typeof v.s === 'number' && typeof v.toFixed === 'function'
}

/** SHA-256 of the canonical encoding, base64url (43 characters). */
export function hashArgs(args: unknown): string {
  const canonical = canonicalize(args)
  if (canonical.length > RECENT_MAX_CHARS) return sha256(canonical)
  let hash = recentHashes.get(canonical)
  if (hash === undefined) {
    hash = sha256(canonical)
    if (recentHashes.size >= RECENT_HASHES) recentHashes.clear()
    recentHashes.set(canonical, hash)
  }
  return hash
}

/** One-shot `crypto.hash` (Node ≥ 20.12) is ~3× faster than a Hash object for short texts. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash

/** SHA-256 of `text`, base64url (43 characters). */
export function sha256(text: string): string {
  return oneShot ? oneShot('sha256', text, 'base64url') : crypto.createHash('sha256').update(text).digest('base64url')
}

/**
 * Hashes of recently seen canonical arguments: hot reads repeat the same arguments, and a map
 * lookup costs a fraction of a SHA-256. Bounded; cleared whole when full (cheap, and hot
 * arguments are back after one call).
 */
const recentHashes = new Map<string, string>()
const RECENT_HASHES = 10_000
/**
 * Longer canonical forms are not remembered: the memo holds at most 10,000 × 2 KiB, whatever
 * arguments callers send (a 100,000-element `in` list would otherwise pin megabytes per entry),
 * and hashing a long form costs little next to building it.
 */
const RECENT_MAX_CHARS = 2048

/** A short fingerprint of the schema text: part of every entry key. */
export function schemaFingerprint(schemaText: string): string {
  return crypto.createHash('sha256').update(schemaText).digest('hex').slice(0, 12)
}

/** The pieces an entry key is made of. */
export interface EntryKeyParts {
  namespace: string
  fingerprint: string
  model: string
  operation: string
  scope: string | undefined
  args: unknown
  customKey?: string | undefined
}

/** The store key of a Prisma read's entry. */
export function entryKey(p: EntryKeyParts): string {
  const scope = p.scope === undefined ? '_' : scopeSegment(p.scope)
  const tail = p.customKey === undefined ? hashArgs(p.args) : 'k:' + p.customKey
  return `${p.namespace}:e:${p.fingerprint}:${p.model}:${p.operation}:${scope}:${tail}`
}

const PLAIN_SCOPE = /^[A-Za-z0-9_.@-]{1,64}$/

/**
 * The key segment of a scope value: `s<scope>` for short plain values (readable in Redis), else
 * `h<sha256>`. So a scope value can neither make a key unbounded nor contain a `:` that would
 * let two different (scope, rest-of-key) pairs spell the same key.
 */
export function scopeSegment(scope: string): string {
  return PLAIN_SCOPE.test(scope) ? 's' + scope : 'h' + sha256(scope)
}

/** The store key of a low-level `$cache` entry. */
export function userKey(namespace: string, key: string): string {
  return `${namespace}:u:${key}`
}

/** The store key holding the current version of a dependency tag. */
export function versionKey(namespace: string, tag: string): string {
  return `${namespace}:v:${tag}`
}

/** The store key of the stampede lock guarding an entry key. */
export function lockKey(namespace: string, entryStoreKey: string): string {
  return `${namespace}:l:${entryStoreKey.slice(namespace.length + 1)}`
}
