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

/**
 * The cache extension with Accelerate's client API, so code written for Accelerate runs after
 * changing only the import. Takes every option of `cacheExtension()`.
 */
export function withAccelerate(options: CacheOptions = {}) {
  const setup = cacheSetup(options)
  return Prisma.defineExtension((client) => {
    const engine = setup.engineFor(client)
    const cache = createCacheApi(engine)
    return client.$extends(queryLayer(engine)).$extends(restackable({
      name: SURFACE_NAME,
      model: { $allModels: accelerateReadMethods(engine) },
      client: {
        $cache: cache,
        $accelerate: createAccelerateApi(cache, [...engine.graph.models.keys()]),
        $transaction: transactionMethod(engine, (tx) => acceleratedTransactionClient(withReadInfo(tx))),
      },
    }))
  })
}
