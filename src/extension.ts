/**
 * `cacheExtension()`: validates the options up front, then wires the engine into Prisma in two
 * layers — the query hook first, then the surface on top: the typed read methods, `$cache`, the
 * `$transaction` override (it must sit above the hook, or transaction clients skip the hook) and
 * an `$extends` that keeps the surface on top of whatever is stacked later (see `restack`).
 */
import { Prisma } from '@prisma/client/extension'
import type { ITXClientDenyList, UnwrapTuple } from '@prisma/client/runtime/client'
import { schemaFingerprint } from './codec/keys.js'
import { buildSchemaGraph } from './dependencies/schema-graph.js'
import { CacheEngine } from './engine.js'
import { CacheConfigError } from './errors.js'
import { createCacheApi } from './kv/cache-api.js'
import { checkModelNames, resolveOptions, type CacheOptions } from './options.js'
import { createQueryHook, type HookParams } from './prisma/query-hook.js'
import { readMethods, withReadInfo } from './prisma/read-methods.js'
import { runTransaction } from './prisma/transactions.js'
import { memoryStore } from './stores/memory.js'
import type { CacheStore } from './stores/store.js'

export type { CacheArgs, CachedPromise } from './prisma/read-methods.js'

/** Options of `$transaction`, as Prisma takes them. */
export interface TransactionOptions {
  maxWait?: number
  timeout?: number
  isolationLevel?: string
}

/**
 * `$transaction` with Prisma's own two signatures (our override wraps it to invalidate on
 * commit); `this` is the extended client, so the interactive form's `tx` is fully typed.
 */
export interface CachedTransaction {
  <T, P extends Prisma.PrismaPromise<any>[]>(this: T, arg: [...P], options?: TransactionOptions): Promise<UnwrapTuple<P>>
  <T, R>(this: T, fn: (tx: Omit<T, ITXClientDenyList>) => Promise<R>, options?: TransactionOptions): Promise<R>
}

type AnyClient = { $extends(extension: unknown): AnyClient }
type Context = { $parent: AnyClient & { $transaction(...a: unknown[]): Promise<unknown> } }

/** The Prisma extension. Use as `prisma.$extends(cacheExtension({ store }))`. */
export function cacheExtension(options: CacheOptions = {}) {
  const resolved = resolveOptions(options)
  const store = options.store ?? memoryStore()
  checkStore(store)
  return Prisma.defineExtension((client) => {
    const internals = client as unknown as ClientInternals
    const schemaText = internals._engineConfig?.inlineSchema
    const runtimeModels = internals._runtimeDataModel?.models ?? {}
    const graph = buildSchemaGraph(schemaText, runtimeModels)
    checkModelNames(resolved.models, [...graph.models.keys()], resolved.scopedModels)
    const fingerprint = schemaFingerprint(schemaText ?? JSON.stringify(runtimeModels))
    const engine = new CacheEngine(resolved, store, graph, fingerprint)
    engine.fastPath = internals._extensions?.isEmpty?.() === true
    const hook = createQueryHook(engine)
    const hooked = client.$extends({
      name: 'prisma-query-cache',
      query: { $allOperations: (params) => hook(params as unknown as HookParams) },
    })
    const surface = {
      name: 'prisma-query-cache:surface',
      model: { $allModels: readMethods(engine) },
      client: {
        $cache: createCacheApi(engine),
        $transaction: function (this: unknown, ...args: unknown[]) {
          const parent = (Prisma.getExtensionContext(this) as unknown as Context).$parent
          const [first, ...rest] = args
          // The interactive form's client comes from the layer below ours: give its reads `withCacheInfo()`.
          const forward = typeof first === 'function' ? [(tx: object) => (first as (tx: object) => unknown)(withReadInfo(tx)), ...rest] : args
          return runTransaction(
            () => parent.$transaction(...forward),
            (collector) => engine.invalidate([...collector.tags], { operation: '$transaction' }, [...collector.models]),
          )
        } as CachedTransaction,
      },
    }
    /**
     * Extensions stacked on a cached client go *under* the surface: the new client is the layer
     * below our surface, extended, with the surface applied again on top. So the typed read
     * methods stay the entry point (a hit is answered before any layer runs), and a read that
     * needs the database goes down through the later extensions' hooks too — misses, bypasses
     * and background refreshes alike.
     */
    const restack = function (this: unknown, extension: unknown) {
      const below = (Prisma.getExtensionContext(this) as unknown as Context).$parent
      return below.$extends(extension).$extends(runtimeSurface)
    }
    const runtimeSurface = { ...surface, client: { ...surface.client, $extends: restack } }
    // Typed as `surface`: `$extends` keeps Prisma's own signature for users.
    return hooked.$extends(runtimeSurface as typeof surface)
  })
}

interface ClientInternals {
  _engineConfig?: { inlineSchema?: string }
  /** Prisma's list of the extensions applied to this client (internal; absent means unknown). */
  _extensions?: { isEmpty?: () => boolean }
  _runtimeDataModel?: { models?: Record<string, { fields: []; dbName?: string | null }> }
}

function checkStore(store: unknown): void {
  const s = store as Partial<CacheStore> | null
  if (typeof s !== 'object' || s === null || typeof s.mget !== 'function' || typeof s.set !== 'function' || typeof s.getOrInit !== 'function') {
    throw new CacheConfigError('store', 'a store from memoryStore(), redisStore() or tieredStore()', store)
  }
}
