/**
 * Dependency tags. Each tag has one version in the store; an entry records the versions of its
 * tags, and invalidating a tag replaces its version, which makes every such entry a miss (O(1)).
 *
 *   m:<Model>         any row of the model, or its set of rows, changed (lists, counts, aggregates)
 *   r:<Model>:*       every row may have changed (bulk writes, cascades)
 *   r:<Model>:<pk>    the row with that primary key changed
 *   m:_<Relation>     an implicit many-to-many join table changed
 *   t:<name>          a user tag
 */
import { canonicalize, sha256 } from '../codec/keys.js'

/** Tag for any change to `model`. */
export function modelTag(model: string): string {
  return `m:${model}`
}

/** Tag every row entry of `model` depends on. */
export function allRowsTag(model: string): string {
  return `r:${model}:*`
}

/**
 * Tag of one row, by primary key value (an object for compound keys). A key whose canonical form
 * is longer than {@link ROW_KEY_MAX_CHARS} (a long string id) is named by its SHA-256 instead: the
 * tag becomes a store key, and key length must stay bounded whatever ids callers send. The `#`
 * cannot start a canonical form, so a hashed key never names the same row as a plain one.
 */
export function rowTag(model: string, primaryKey: unknown): string {
  const canonical = canonicalize(sameInteger(primaryKey))
  return `r:${model}:${canonical.length > ROW_KEY_MAX_CHARS ? '#' + sha256(canonical) : canonical}`
}

/** Longest canonical primary key a row tag spells out (a UUID or cuid is far shorter). */
const ROW_KEY_MAX_CHARS = 128

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * One spelling per integer, in each field of a compound key too: Prisma takes a number for a
 * BigInt id, and the database answers a bigint, so `5` and `5n` must name the same row (a tag only
 * serves invalidation; merging them can never make an entry stale). Safe integers are numbers.
 */
function sameInteger(key: unknown): unknown {
  if (typeof key === 'bigint') return key >= MIN_SAFE && key <= MAX_SAFE ? Number(key) : key
  if (typeof key === 'number') return Number.isInteger(key) && !Number.isSafeInteger(key) ? BigInt(key) : key
  if (typeof key !== 'object' || key === null) return key
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(key)) out[field] = sameInteger(value)
  return out
}

/** Tag of a user-named tag. */
export function userTag(name: string): string {
  return `t:${name}`
}

/** Reads the primary key from a row or a unique `where`; undefined when not all id fields are plain values. */
export function primaryKeyOf(source: unknown, idFields: string[] | undefined, idWhereKey?: string): unknown {
  if (!idFields || typeof source !== 'object' || source === null) return undefined
  const record = source as Record<string, unknown>
  if (idFields.length === 1) return plain(record[idFields[0]!])
  const compound = idWhereKey !== undefined && isObject(record[idWhereKey]) ? record[idWhereKey] as Record<string, unknown> : record
  const key: Record<string, unknown> = {}
  for (const field of idFields) {
    const value = plain(compound[field])
    if (value === undefined) return undefined
    key[field] = value
  }
  return key
}

/**
 * Whether a primary key holds a string. The database may compare strings more loosely than a tag
 * does (MySQL's default collations ignore case and trailing spaces): a string key the database
 * has not echoed back may be another spelling of the stored row's, so it cannot name the row alone.
 */
export function spelledLoosely(primaryKey: unknown): boolean {
  if (typeof primaryKey === 'string') return true
  return typeof primaryKey === 'object' && primaryKey !== null && Object.values(primaryKey).some((field) => typeof field === 'string')
}

function plain(value: unknown): unknown {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? value : undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
