/**
 * `withAccelerate()`: `cacheExtension()` with the client API of `@prisma/extension-accelerate`.
 * Same layers, same engine; only the top layer differs — reads that take `cacheStrategy` and offer
 * `withAccelerateInfo()`, `$accelerate` beside `$cache`, and interactive transaction clients that
 * accept the same.
 */
import { Prisma } from '@prisma/client/extension'
import { createCacheApi } from '../kv/cache-api.js'
import { cacheSetup, queryLayer, restackable, SURFACE_NAME, transactionMethod } from '../extension.js'
import type { CacheOptions } from '../options.js'
import { withReadInfo } from '../prisma/read-methods.js'
import { createAccelerateApi } from './api.js'
import { accelerateReadMethods, acceleratedTransactionClient } from './read-methods.js'

/** The options of `withAccelerate()`: every option of `cacheExtension()`, and Accelerate's `fetch`. */
export interface WithAccelerateOptions extends CacheOptions {
  /**
   * Accelerate's custom `fetch`: accepted so that Accelerate code compiles and runs unchanged, and
   * ignored (this cache makes no HTTP requests). @default undefined
   */
  fetch?(this: void, input: string | URL | Request, init?: RequestInit): Promise<Response>
}

/**
 * The cache extension with Accelerate's client API, so code written for Accelerate runs after
 * changing only the import. Takes every option of `cacheExtension()`, and ignores `fetch`.
 */
export function withAccelerate(options: WithAccelerateOptions = {}) {
  const setup = cacheSetup(withoutFetch(options))
  return Prisma.defineExtension((client) => {
    const engine = setup.engineFor(client)
    const cache = createCacheApi(engine)
    const accelerate = createAccelerateApi(cache, [...engine.graph.models.keys()])
    // Invalidating inside a transaction is safe: its writes are invalidated again after commit.
    const members = { $cache: cache, $accelerate: accelerate }
    return client.$extends(queryLayer(engine)).$extends(restackable({
      name: SURFACE_NAME,
      model: { $allModels: accelerateReadMethods(engine) },
      client: {
        ...members,
        $transaction: transactionMethod(engine, (tx) => acceleratedTransactionClient(withReadInfo(tx), members)),
      },
    }))
  })
}

/** `options` without Accelerate's `fetch`, which cacheSetup would reject as an unknown option (anything else is cacheSetup's to check). */
function withoutFetch(options: WithAccelerateOptions): CacheOptions {
  if (typeof options !== 'object' || options === null || !('fetch' in options)) return options
  const { fetch: _ignored, ...cacheOptions } = options
  return cacheOptions
}
