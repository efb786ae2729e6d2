/**
 * Accelerate's `cacheStrategy` in terms of the extension's `cache` option, and Accelerate's tag
 * rules. Accelerate sent `ttl`/`swr` as `Cache-Control: max-age, stale-while-revalidate` and
 * `no-cache` when neither was given, so:
 *
 *   { ttl: 60 }            → cache: { ttl: 60 }           fresh 60 s (swr from the extension's options)
 *   { ttl: 60, swr: 30 }   → cache: { ttl: 60, swr: 30 }
 *   { swr: 60 }            → cache: { ttl: 0, swr: 60 }   always stale: served, then refreshed in the background
 *   { tags } / {} / ttl 0  → cache: false                 not cached, as on Accelerate
 */
import { CacheConfigError } from '../errors.js'
import { expectPlainObject, rejectUnknownKeys, seconds } from '../options.js'
import type { ReadCacheOption } from '../types.js'

/** Accelerate's limits: a tag is letters, digits and `_`, 1-64 characters; 5 tags per read or invalidation. */
const TAG_PATTERN = /^[A-Za-z0-9_]{1,64}$/
const MAX_TAGS = 5

type Args = Record<string, unknown> | undefined

/** The read's arguments with `cacheStrategy` replaced by the equivalent `cache`. Throws {@link CacheConfigError}. */
export function withCacheOption(args: Args): Args {
  if (args === undefined || args === null || typeof args !== 'object' || !('cacheStrategy' in args)) return args
  const strategy = args.cacheStrategy
  if (strategy !== undefined && args.cache !== undefined) {
    throw new CacheConfigError('cacheStrategy', 'either cacheStrategy or cache on one read, not both', 'both')
  }
  // A plain loop: object rest destructuring costs microseconds per read on the hit path.
  const rest: Record<string, unknown> = {}
  for (const key in args) if (key !== 'cacheStrategy' && Object.hasOwn(args, key)) rest[key] = args[key]
  if (strategy !== undefined) rest.cache = cacheOption(strategy)
  return rest
}

/** Translates one `cacheStrategy` value. */
export function cacheOption(strategy: unknown): ReadCacheOption {
  expectPlainObject('cacheStrategy', strategy)
  rejectUnknownKeys('cacheStrategy.', strategy, ['ttl', 'swr', 'tags'])
  const ttlMs = strategy.ttl === undefined ? 0 : seconds('cacheStrategy.ttl', strategy.ttl, true)
  const swrMs = strategy.swr === undefined ? 0 : seconds('cacheStrategy.swr', strategy.swr, true)
  const tags = strategy.tags === undefined ? undefined : accelerateTags('cacheStrategy.tags', strategy.tags)
  if (ttlMs === 0 && swrMs === 0) return false
  return {
    ttl: ttlMs / 1000,
    ...(strategy.swr !== undefined && { swr: swrMs / 1000 }),
    ...(tags && { tags }),
  }
}

/** Validates tags by Accelerate's rules and returns a mutable copy. */
export function accelerateTags(path: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new CacheConfigError(path, `an array of at most ${MAX_TAGS} tags`, value)
  if (value.length > MAX_TAGS) throw new CacheConfigError(path, `at most ${MAX_TAGS} tags`, `${value.length} tags`)
  for (const tag of value) {
    if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) {
      throw new CacheConfigError(path, 'tags of 1-64 letters, digits or underscores', tag)
    }
  }
  return [...(value as string[])]
}
