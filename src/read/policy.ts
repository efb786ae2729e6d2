/**
 * Decides whether a read uses the cache and with which lifetime: the per-read `cache` option,
 * then the model's policy, then the extension's defaults. An explicit `cache` option on a read
 * wins over a model policy of `false` (the call site is the more specific statement).
 */
import { CacheConfigError } from '../errors.js'
import { expectPlainObject, rejectUnknownKeys, seconds, type ResolvedOptions } from '../options.js'

/** How one read is cached. */
export interface ReadPolicy {
  ttlMs: number
  swrMs: number
  tags: string[]
  key: string | undefined
}

/** The policy of a read, or `undefined` when it bypasses the cache. */
export function readPolicy(options: ResolvedOptions, model: string, cache: unknown): ReadPolicy | undefined {
  const modelPolicy = options.models[model]
  const overrides = modelPolicy || undefined
  if (cache === false) return undefined
  if (cache === undefined && (options.mode === 'opt-in' || modelPolicy === false)) return undefined
  const base = {
    ttlMs: overrides?.ttlMs ?? options.ttlMs,
    swrMs: overrides?.swrMs ?? options.swrMs,
    tags: [] as string[],
    key: undefined as string | undefined,
  }
  if (cache === undefined || cache === true) return base
  expectPlainObject('cache', cache)
  rejectUnknownKeys('cache.', cache, ['ttl', 'swr', 'tags', 'key'])
  const swrMs = cache.swr === undefined ? base.swrMs : seconds('cache.swr', cache.swr, true)
  return {
    ttlMs: cache.ttl === undefined ? base.ttlMs : ttlOption(cache.ttl, swrMs),
    swrMs,
    tags: cache.tags === undefined ? [] : tagList('cache.tags', cache.tags),
    key: cache.key === undefined ? undefined : customKey(cache.key),
  }
}

/** Validates a list of user tag names. */
export function tagList(path: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length > 0)) {
    throw new CacheConfigError(path, 'an array of non-empty strings', value)
  }
  return value as string[]
}

/** `ttl: 0` is allowed with an `swr` window: the entry is always stale, served while it refreshes. */
function ttlOption(value: unknown, swrMs: number): number {
  if (value === 0 && swrMs > 0) return 0
  if (value === 0) throw new CacheConfigError('cache.ttl', 'a number of seconds > 0 (0 only with swr > 0)', value)
  return seconds('cache.ttl', value, false)
}

function customKey(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new CacheConfigError('cache.key', 'a non-empty string of at most 512 characters', value)
  }
  return value
}
