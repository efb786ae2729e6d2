/**
 * `cacheExtension()`: validates the options up front, then wires the engine into Prisma in two
 * layers — the query hook first, then the surface on top: the typed read methods, `$cache`, the
 * `$transaction` override (it must sit above the hook, or transaction clients skip the hook) and
 * an `$extends` that keeps the surface on top of whatever is stacked later (see `restackable`).
 * `withAccelerate()` (src/accelerate/) builds the same layers with its own surface.
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
import { runTransaction, type TransactionCollector } from './prisma/transactions.js'
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
  const setup = cacheSetup(options)
  return Prisma.defineExtension((client) => {
    const engine = setup.engineFor(client)
    return client.$extends(queryLayer(engine)).$extends(restackable({
      name: SURFACE_NAME,
      model: { $allModels: readMethods(engine) },
      client: { $cache: createCacheApi(engine), $transaction: transactionMethod(engine, withReadInfo) },
    }))
  })
}

/** Name of the top layer (typed reads, `$cache`, `$transaction`). */
export const SURFACE_NAME = 'prisma-query-cache:surface'

/**
 * Validates the options and store up front (at `cacheExtension()` time) and returns what makes
 * the engine of each client the extension is applied to. Shared with `withAccelerate()`.
 */
export function cacheSetup(options: CacheOptions) {
  const resolved = resolveOptions(options)
  const store: CacheStore = options.store === undefined ? memoryStore() : options.store // null is a wrong store, not none
  checkStore(store)
  store.attach?.({ namespace: resolved.namespace })
  return {
    engineFor(client: unknown): CacheEngine {
      const internals = client as ClientInternals
      const schemaText = internals._engineConfig?.inlineSchema
      const runtimeModels = internals._runtimeDataModel?.models ?? {}
      const graph = buildSchemaGraph(schemaText, runtimeModels)
      checkModelNames(resolved.models, [...graph.models.keys()], resolved.scopedModels)
      const fingerprint = schemaFingerprint(schemaText ?? JSON.stringify(runtimeModels))
      const engine = new CacheEngine(resolved, store, graph, fingerprint)
      engine.fastPath = internals._extensions?.isEmpty?.() === true
      return engine
    },
  }
}

/** The bottom layer: the query hook. It must sit below the `$transaction` override, or transaction clients skip it. */
export function queryLayer(engine: CacheEngine) {
  const hook = createQueryHook(engine)
  return {
    name: 'prisma-query-cache',
    query: { $allOperations: (params: unknown) => hook(params as HookParams) },
  }
}

/**
 * The `$transaction` override: invalidates after commit; `transactionClient` wraps an interactive
 * transaction's client (which comes from the layer below the surface) to give its reads the
 * surface's options and info methods.
 */
export function transactionMethod(engine: CacheEngine, transactionClient: (tx: object) => object): CachedTransaction {
  return function (this: unknown, ...args: unknown[]) {
    const parent = (Prisma.getExtensionContext(this) as unknown as Context).$parent
    const [first, ...rest] = args
    const forward = typeof first === 'function' ? [(tx: object) => (first as (tx: object) => unknown)(transactionClient(tx)), ...rest] : args
    const invalidate = (collector: TransactionCollector) => engine.invalidate([...collector.tags], { operation: '$transaction' }, [...collector.models])
    // SQLite's driver adapters run every query on one connection: a read outside an interactive
    // transaction sees its uncommitted writes and may cache them, so a rollback invalidates too.
    return runTransaction(() => parent.$transaction(...forward), invalidate, engine.graph.provider === 'sqlite' ? invalidate : undefined)
  } as CachedTransaction
}

/**
 * `surface` with an `$extends` that stacks later extensions *under* it: the new client is the
 * layer below our surface, extended, with the surface applied again on top. So the typed read
 * methods stay the entry point (a hit is answered before any layer runs), and a read that needs
 * the database goes down through the later extensions' hooks too — misses, bypasses and
 * background refreshes alike. Typed as `surface`: `$extends` keeps Prisma's own signature for users.
 */
export function restackable<S extends { client: object }>(surface: S): S {
  const restack = function (this: unknown, extension: unknown) {
    // Restacking never calls itself, unless what it stacks brings a surface of its own: a second
    // cache extension on one client. The two surfaces would restack each other without end.
    if (restacking) throw new CacheConfigError('$extends', 'one cache extension per client: this client already has cacheExtension() or withAccelerate() applied', 'a second one')
    restacking = true
    try {
      const below = (Prisma.getExtensionContext(this) as unknown as Context).$parent
      return below.$extends(extension).$extends(runtimeSurface)
    } finally {
      restacking = false
    }
  }
  const runtimeSurface = { ...surface, client: { ...surface.client, $extends: restack } }
  return runtimeSurface as S
}

/** True while a surface restacks itself above a newly applied extension (synchronous). */
let restacking = false

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
