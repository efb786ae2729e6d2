/** Public types shared by the extension's surface. */

/** The per-read `cache` option. `true` uses the defaults; `false` skips the cache for this read. */
export type ReadCacheOption =
  | boolean
  | {
      /** Seconds the entry is fresh. */
      ttl?: number
      /** Seconds after `ttl` during which the stale entry is served while one refresh runs. */
      swr?: number
      /** Extra user tags, for `$cache.invalidate({ tags })`. Model dependencies are always added. */
      tags?: string[]
      /** Replaces the derived key (still namespaced and scoped). */
      key?: string
    }

/** How a read was answered. */
export type CacheStatus = 'hit' | 'miss' | 'stale' | 'bypass' | 'error'

/** Returned by `withCacheInfo()` beside the data. */
export interface CacheInfo {
  status: CacheStatus
  /** Store key of the entry. */
  key?: string
  /** Age of the served entry in milliseconds (hits and stale hits). */
  age?: number
  /** Freshness lifetime of the entry in seconds. */
  ttl?: number
}

/** Operations that accept the `cache` option. */
export const READ_OPERATIONS = [
  'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy',
] as const

/** Operations that write. */
export const WRITE_OPERATIONS = [
  'create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany',
] as const
