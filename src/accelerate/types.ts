/**
 * The public types of `@prisma/extension-accelerate` 3.x, written out here so that code typed
 * against Accelerate compiles against `withAccelerate()` unchanged. Their shapes follow
 * Accelerate's declarations (readonly options, `info` possibly `null`, `invalidate` resolving
 * `{ requestId }`); test/types/accelerate-compat.test-d.ts checks them against the originals.
 */
import type { Prisma } from '@prisma/client/extension'
import type { CachedPromise } from '../prisma/read-methods.js'

/** The per-read `cacheStrategy` argument, as Accelerate declares it. */
export interface PrismaCacheStrategy {
  /**
   * How Accelerate cached this read; here, how the cache extension caches it. A strategy with
   * neither `ttl` nor `swr` (or both `0`) is not cached, as on Accelerate.
   */
  readonly cacheStrategy?: {
    /**
     * Seconds after `ttl` during which the stored value is served while one background refresh
     * runs. Without `ttl`, every read is served from the cache and refreshes it.
     */
    readonly swr?: number
    /** Seconds the stored value is fresh (served without querying the database). */
    readonly ttl?: number
    /**
     * Names for `$accelerate.invalidate({ tags })`: letters, digits and `_`, at most 64
     * characters each, at most 5 per read. Writes invalidate without them.
     */
    readonly tags?: ReadonlyArray<string>
  }
}

/** How a read was answered, in Accelerate's terms. */
export interface AccelerateInfo {
  /**
   * `'ttl'`: a fresh hit, no database query. `'swr'`: a stale hit, refreshed in the background.
   * `'miss'`: the database answered and the result is now cached. `'none'`: not cached.
   */
  cacheStatus: 'ttl' | 'swr' | 'miss' | 'none'
  /** When the served value was stored, right after its database read (for a miss: now). */
  lastModified: Date
  /** Always `'local'`: the cache is your own store, not an edge region. */
  region: string
  /** A random id of this read. */
  requestId: string
  /**
   * A hash of the read's store key (the same read gives the same signature), also when the
   * database answered a read that has one (bypassed, store failed); `'unspecified'` for a read
   * without a key (no cache option, inside a transaction).
   */
  signature: string
}

/** The argument of `$accelerate.invalidate()`. */
export type AccelerateInvalidateInput = {
  /** Tags given in `cacheStrategy.tags`: at most 5 per call. */
  tags: ReadonlyArray<string>
}

/** `prisma.$accelerate`. */
export interface AccelerateApi {
  /** Invalidates every entry read with one of `tags`; resolves once the store has it. */
  invalidate(input: AccelerateInvalidateInput): Promise<{ requestId: string }>
  /** Invalidates every cached read of this client (every model's version is replaced). */
  invalidateAll(): Promise<{ requestId: string }>
}

/** Accelerate's promise type: a Prisma promise with `withAccelerateInfo()`. */
export interface AcceleratePromise<T> extends Prisma.PrismaPromise<T> {
  /** Resolves the data together with how the cache answered. */
  withAccelerateInfo(): Prisma.PrismaPromise<{ data: T; info: AccelerateInfo | null }>
}

/** What the read methods of `withAccelerate()` return: both `withAccelerateInfo()` and `withCacheInfo()`. */
export type AcceleratedPromise<T> = CachedPromise<T> & AcceleratePromise<T>
