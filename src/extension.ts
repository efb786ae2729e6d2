/**
 * `cacheExtension()`: validates the options up front, then wires the engine into Prisma in two
 * layers — the query hook first, then the typed read methods, `$cache` and the `$transaction`
 * override on top (the override must sit above the hook, or transaction clients skip the hook).
 */
import { Prisma } from '@prisma/client/extension'
import { createCacheApi } from './cache-api.js'
import { buildSchemaGraph } from './dependencies/schema-graph.js'
import { CacheEngine } from './engine.js'
import { CacheConfigError } from './errors.js'
import { withInfo } from './info.js'
import { schemaFingerprint } from './keys.js'
import { checkModelNames, resolveOptions, type CacheOptions } from './options.js'
import { createQueryHook, type HookParams } from './query-hook.js'
import { memoryStore } from './stores/memory.js'
import type { CacheStore } from './stores/store.js'
import { runTransaction } from './transactions.js'
import type { CacheInfo, ReadCacheOption } from './types.js'

/** The `cache` argument the read methods accept. */
export interface CacheArgs {
  cache?: ReadCacheOption
}

/** A Prisma promise with `withCacheInfo()`. */
export type CachedPromise<T> = Prisma.PrismaPromise<T> & {
  /** Resolves the data together with how the cache answered. */
  withCacheInfo(): Promise<{ data: T; info: CacheInfo }>
}

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
    checkModelNames(resolved.models, [...graph.models.keys()])
    const fingerprint = schemaFingerprint(schemaText ?? JSON.stringify(runtimeModels))
    const engine = new CacheEngine(resolved, store, graph, fingerprint)
    const hook = createQueryHook(engine)
    const hooked = client.$extends({
      name: 'prisma-query-cache',
      query: { $allOperations: (params) => hook(params as unknown as HookParams) },
    })
    return hooked.$extends({
      name: 'prisma-query-cache:surface',
      model: { $allModels: readMethods },
      client: {
        $cache: createCacheApi(engine),
        $transaction(this: unknown, ...args: unknown[]) {
          const parent = (Prisma.getExtensionContext(this) as unknown as { $parent: { $transaction(...a: unknown[]): Promise<unknown> } }).$parent
          return runTransaction(
            () => parent.$transaction(...args),
            (collector) => engine.invalidate([...collector.tags], { operation: '$transaction', tags: [...collector.models] }),
          )
        },
      },
    })
  })
}

interface ClientInternals {
  _engineConfig?: { inlineSchema?: string }
  _runtimeDataModel?: { models?: Record<string, { fields: []; dbName?: string | null }> }
}

function checkStore(store: unknown): void {
  const s = store as Partial<CacheStore> | null
  if (typeof s !== 'object' || s === null || typeof s.mget !== 'function' || typeof s.set !== 'function' || typeof s.getOrInit !== 'function') {
    throw new CacheConfigError('store', 'a store from memoryStore(), redisStore() or tieredStore()', store)
  }
}

function attachInfo<T>(promise: Prisma.PrismaPromise<T>): CachedPromise<T> {
  const cached = promise as CachedPromise<T>
  cached.withCacheInfo = () => withInfo(() => promise)
  return cached
}

function callParent(self: unknown, operation: string, args: unknown): Prisma.PrismaPromise<any> {
  const context = Prisma.getExtensionContext(self) as unknown as { $name: string; $parent: Record<string, Record<string, (a: unknown) => Prisma.PrismaPromise<any>>> }
  return context.$parent[context.$name]![operation]!(args)
}

/** The eight reads, typed to accept `cache` and to return a promise with `withCacheInfo()`. */
const readMethods = {
  findUnique<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'findUnique'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findUnique'>> {
    return attachInfo(callParent(this, 'findUnique', args))
  },
  findUniqueOrThrow<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'findUniqueOrThrow'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findUniqueOrThrow'>> {
    return attachInfo(callParent(this, 'findUniqueOrThrow', args))
  },
  findFirst<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findFirst'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findFirst'>> {
    return attachInfo(callParent(this, 'findFirst', args))
  },
  findFirstOrThrow<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findFirstOrThrow'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findFirstOrThrow'>> {
    return attachInfo(callParent(this, 'findFirstOrThrow', args))
  },
  findMany<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findMany'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findMany'>> {
    return attachInfo(callParent(this, 'findMany', args))
  },
  count<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'count'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'count'>> {
    return attachInfo(callParent(this, 'count', args))
  },
  aggregate<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'aggregate'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'aggregate'>> {
    return attachInfo(callParent(this, 'aggregate', args))
  },
  groupBy<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'groupBy'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'groupBy'>> {
    return attachInfo(callParent(this, 'groupBy', args))
  },
}
