/**
 * `cacheExtension()`: validates the options up front, then wires the engine into Prisma in two
 * layers — the query hook first, then the typed read methods, `$cache` and the `$transaction`
 * override on top (the override must sit above the hook, or transaction clients skip the hook).
 */
import { Prisma } from '@prisma/client/extension'
import type { ITXClientDenyList, UnwrapTuple } from '@prisma/client/runtime/client'
import { createCacheApi } from './cache-api.js'
import { buildSchemaGraph } from './dependencies/schema-graph.js'
import { CacheEngine } from './engine.js'
import { CacheConfigError } from './errors.js'
import { prepareFastHit, type FastHit } from './fast-hit.js'
import { recordInfo, withInfo } from './info.js'
import { schemaFingerprint } from './keys.js'
import { checkModelNames, resolveOptions, type CacheOptions } from './options.js'
import { createQueryHook, type HookParams } from './query-hook.js'
import { memoryStore } from './stores/memory.js'
import type { CacheStore } from './stores/store.js'
import { runTransaction } from './transactions.js'
import { READ_OPERATIONS, type CacheInfo, type ReadCacheOption } from './types.js'

/** The `cache` argument the read methods accept. */
export interface CacheArgs {
  cache?: ReadCacheOption
}

/** A Prisma promise with `withCacheInfo()`. */
export type CachedPromise<T> = Prisma.PrismaPromise<T> & {
  /** Resolves the data together with how the cache answered. */
  withCacheInfo(): Promise<{ data: T; info: CacheInfo }>
}

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
    engine.fastPath = internals._extensions?.isEmpty?.() === true
    const hook = createQueryHook(engine)
    const hooked = client.$extends({
      name: 'prisma-query-cache',
      query: { $allOperations: (params) => hook(params as unknown as HookParams) },
    })
    return hooked.$extends({
      name: 'prisma-query-cache:surface',
      model: { $allModels: readMethods(engine) },
      client: {
        $cache: createCacheApi(engine),
        $transaction: function (this: unknown, ...args: unknown[]) {
          const parent = (Prisma.getExtensionContext(this) as unknown as { $parent: { $transaction(...a: unknown[]): Promise<unknown> } }).$parent
          const [first, ...rest] = args
          // The interactive form's client comes from the layer below ours: give its reads `withCacheInfo()`.
          const forward = typeof first === 'function' ? [(tx: object) => (first as (tx: object) => unknown)(withReadInfo(tx)), ...rest] : args
          return runTransaction(
            () => parent.$transaction(...forward),
            (collector) => engine.invalidate([...collector.tags], { operation: '$transaction', tags: [...collector.models] }),
          )
        } as CachedTransaction,
      },
    })
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

function attachInfo<T>(promise: Prisma.PrismaPromise<T>): CachedPromise<T> {
  const cached = promise as CachedPromise<T>
  cached.withCacheInfo = () => withInfo(() => promise)
  return cached
}

const READ_OPERATIONS_SET = new Set<string>(READ_OPERATIONS)

/**
 * An interactive transaction's client with `withCacheInfo()` on every read (they bypass the
 * cache inside a transaction, and report so), matching the type the extension gives `tx`.
 */
function withReadInfo(tx: object): object {
  const models = new Map<PropertyKey, object>()
  return new Proxy(tx, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'object' || value === null || typeof (value as { findMany?: unknown }).findMany !== 'function') return value
      let model = models.get(prop)
      if (!model) {
        model = new Proxy(value, {
          get(delegate, operation, modelReceiver) {
            const method = Reflect.get(delegate, operation, modelReceiver) as unknown
            if (typeof operation !== 'string' || !READ_OPERATIONS_SET.has(operation) || typeof method !== 'function') return method
            return (...callArgs: unknown[]) => attachInfo((method as (...a: unknown[]) => Prisma.PrismaPromise<unknown>).apply(delegate, callArgs))
          },
        })
        models.set(prop, model)
      }
      return model
    },
  })
}

type ParentContext = { $name: string; $parent: Record<string, Record<string, (a: unknown) => Prisma.PrismaPromise<any>>> }

/**
 * One typed read. A fresh in-memory hit is answered without Prisma's pipeline (fast-hit.ts);
 * anything else is the parent client's Prisma promise, created now so that Prisma records the
 * caller's location for its error messages, and run through our query hook.
 */
function cachedRead(engine: CacheEngine, self: unknown, operation: string, args: unknown): CachedPromise<any> {
  const context = Prisma.getExtensionContext(self) as unknown as ParentContext
  const callParent = () => context.$parent[context.$name]![operation]!(args)
  const hit = prepareFastHit(engine, context.$name, operation, args as Record<string, unknown> | undefined)
  return hit ? (new LazyHit(hit, callParent) as unknown as CachedPromise<any>) : attachInfo(callParent())
}

/**
 * A Prisma-promise look-alike for a read that looked like an in-memory hit when called. Like a
 * Prisma promise it runs on `then()` — and re-checks the entry then, so a write that resolved in
 * between is seen. Inside a batch `$transaction` it hands over to a real Prisma promise.
 */
class LazyHit<T> {
  readonly [Symbol.toStringTag] = 'PrismaPromise'
  #hit: FastHit
  #callParent: () => Prisma.PrismaPromise<T>
  #parent: Prisma.PrismaPromise<T> | undefined
  #started: Promise<T> | undefined

  constructor(hit: FastHit, callParent: () => Prisma.PrismaPromise<T>) {
    this.#hit = hit
    this.#callParent = callParent
  }

  then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#start().then(onFulfilled, onRejected)
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#start().catch(onRejected)
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.#start().finally(onFinally)
  }

  withCacheInfo(): Promise<{ data: T; info: CacheInfo }> {
    return withInfo(() => this)
  }

  /** Called by Prisma's batch `$transaction`: the read runs in the transaction, uncached. */
  requestTransaction(batch: unknown): unknown {
    return (this.#getParent() as unknown as { requestTransaction(b: unknown): unknown }).requestTransaction(batch)
  }

  get spec(): unknown {
    return (this.#getParent() as unknown as { spec: unknown }).spec
  }

  #getParent(): Prisma.PrismaPromise<T> {
    return (this.#parent ??= this.#callParent())
  }

  #start(): Promise<T> {
    if (this.#started) return this.#started
    const taken = this.#hit.take()
    if (taken) recordInfo(taken.info)
    this.#started = taken ? Promise.resolve(taken.value as T) : Promise.resolve(this.#getParent())
    return this.#started
  }
}

/** The eight reads, typed to accept `cache` and to return a promise with `withCacheInfo()`. */
function readMethods(engine: CacheEngine) {
  return {
    findUnique<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'findUnique'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findUnique'>> {
      return cachedRead(engine, this, 'findUnique', args)
    },
    findUniqueOrThrow<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'findUniqueOrThrow'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findUniqueOrThrow'>> {
      return cachedRead(engine, this, 'findUniqueOrThrow', args)
    },
    findFirst<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findFirst'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findFirst'>> {
      return cachedRead(engine, this, 'findFirst', args)
    },
    findFirstOrThrow<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findFirstOrThrow'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findFirstOrThrow'>> {
      return cachedRead(engine, this, 'findFirstOrThrow', args)
    },
    findMany<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findMany'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findMany'>> {
      return cachedRead(engine, this, 'findMany', args)
    },
    count<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'count'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'count'>> {
      return cachedRead(engine, this, 'count', args)
    },
    aggregate<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'aggregate'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'aggregate'>> {
      return cachedRead(engine, this, 'aggregate', args)
    },
    groupBy<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'groupBy'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'groupBy'>> {
      return cachedRead(engine, this, 'groupBy', args)
    },
  }
}
