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
import { canonicalize } from '../codec/keys.js'

/** Tag for any change to `model`. */
export function modelTag(model: string): string {
  return `m:${model}`
}

/** Tag every row entry of `model` depends on. */
export function allRowsTag(model: string): string {
  return `r:${model}:*`
}

/** Tag of one row, by primary key value (an object for compound keys). */
export function rowTag(model: string, primaryKey: unknown): string {
  return `r:${model}:${canonicalize(primaryKey)}`
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

function plain(value: unknown): unknown {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? value : undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
