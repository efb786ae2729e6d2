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

/** The options of `withAccelerate()`: every option of `cacheExtension()` (Accelerate's `fetch` has no use here). */
export type WithAccelerateOptions = CacheOptions

/**
 * The cache extension with Accelerate's client API, so code written for Accelerate runs after
 * changing only the import. Takes every option of `cacheExtension()`.
 */
export function withAccelerate(options: WithAccelerateOptions = {}) {
  const setup = cacheSetup(options)
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
