/**
 * `prisma.$accelerate`, on top of `prisma.$cache`: `invalidate({ tags })` bumps the user tags,
 * `invalidateAll()` every model (so every cached read, whatever its tags, becomes a miss).
 */
import { randomUUID } from 'node:crypto'
import type { CacheApi } from '../kv/cache-api.js'
import { CacheConfigError } from '../errors.js'
import { expectPlainObject } from '../options.js'
import { accelerateTags } from './strategy.js'
import type { AccelerateApi } from './types.js'

/** Builds `$accelerate` for the client whose `$cache` is `cache` and whose schema has `models`. */
export function createAccelerateApi(cache: CacheApi, models: readonly string[]): AccelerateApi {
  return {
    async invalidate(input) {
      expectPlainObject('$accelerate.invalidate()', input)
      if (input.tags === undefined) throw new CacheConfigError('$accelerate.invalidate().tags', 'an array of at most 5 tags', undefined)
      const tags = accelerateTags('$accelerate.invalidate().tags', input.tags)
      if (tags.length > 0) await cache.invalidate({ tags })
      return { requestId: randomUUID() }
    },
    async invalidateAll() {
      // Every cached read depends on its model: replacing every model's version invalidates them
      // all in one round trip, and (unlike deleting keys) also beats a fill still in flight.
      if (models.length > 0) await cache.invalidate({ models: [...models] })
      return { requestId: randomUUID() }
    },
  }
}
