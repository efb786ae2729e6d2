/**
 * Cache keys. Arguments are encoded canonically — object key order does not matter, and every
 * value carries its type, so a `Date`, a `BigInt`, a `Decimal` and a string of the same text
 * never collide — then hashed with SHA-256.
 *
 * Key layout (all under the namespace `ns`):
 *   ns:e:<fingerprint>:<Model>:<operation>:<scope>:<sha256>   an entry of a Prisma read
 *   ns:e:<fingerprint>:<Model>:<operation>:<scope>:k:<key>    an entry with a user-chosen `cache.key`
 *   ns:u:<key>                                                 an entry of the low-level `$cache` API
 *   ns:v:<tag>                                                 the current version of a dependency tag
 *   ns:l:<entry key without ns>                                the stampede lock of an entry
 * The schema fingerprint keeps deployments with different schemas from reading each other's
 * entries. Versions carry no fingerprint on purpose: deployments share the database, so a write
 * in one must invalidate the entries of the other.
 */
import { createHash } from 'node:crypto'

/** Encodes `value` into a string that is equal for equal meaning and differs otherwise. */
export function canonicalize(value: unknown): string {
  switch (typeof value) {
    case 'string': return 's' + JSON.stringify(value)
    case 'number': return 'd' + String(value)
    case 'boolean': return value ? 't' : 'f'
    case 'bigint': return 'b' + value.toString()
    case 'undefined': return 'u'
    case 'object': return value === null ? 'n' : canonicalObject(value)
    default: return 'x' + typeof value
  }
}

function canonicalObject(value: object): string {
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalize(value[i])
    return out + ']'
  }
  if (value instanceof Date) return 'D' + (Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString())
  if (value instanceof Uint8Array) return 'B' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return canonicalInstance(value)
  const keys = Object.keys(value).sort()
  let out = '{'
  let first = true
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key]
    if (v === undefined) continue
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalize(v)
    first = false
  }
  return out + '}'
}

/** Class instances: Prisma's Decimal, its null markers (DbNull, JsonNull, AnyNull), anything else by name and fields. */
function canonicalInstance(value: object): string {
  const name = (value.constructor as { name?: string } | undefined)?.name ?? 'Object'
  if (isDecimalLike(value)) return 'M' + value.toString()
  const fields = Object.keys(value).length > 0 ? canonicalObject({ ...value }) : ''
  return 'O' + name + fields
}

/** Duck-types decimal.js instances (Prisma.Decimal), whichever copy of the class created them. */
export function isDecimalLike(value: unknown): value is { toString(): string; toFixed(): string } {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return Array.isArray(v.d) && typeof v.e === 'number' && typeof v.s === 'number' && typeof v.toFixed === 'function'
}

/** SHA-256 of the canonical encoding, base64url (43 characters). */
export function hashArgs(args: unknown): string {
  const canonical = canonicalize(args)
  let hash = recentHashes.get(canonical)
  if (hash === undefined) {
    hash = createHash('sha256').update(canonical).digest('base64url')
    if (recentHashes.size >= RECENT_HASHES) recentHashes.clear()
    recentHashes.set(canonical, hash)
  }
  return hash
}

/**
 * Hashes of recently seen canonical arguments: hot reads repeat the same arguments, and a map
 * lookup costs a fraction of a SHA-256. Bounded; cleared whole when full (cheap, and hot
 * arguments are back after one call).
 */
const recentHashes = new Map<string, string>()
const RECENT_HASHES = 10_000

/** A short fingerprint of the schema text: part of every entry key. */
export function schemaFingerprint(schemaText: string): string {
  return createHash('sha256').update(schemaText).digest('hex').slice(0, 12)
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
  const scope = p.scope === undefined ? '_' : 's' + p.scope
  const tail = p.customKey === undefined ? hashArgs(p.args) : 'k:' + p.customKey
  return `${p.namespace}:e:${p.fingerprint}:${p.model}:${p.operation}:${scope}:${tail}`
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
