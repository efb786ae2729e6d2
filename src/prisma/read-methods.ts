/**
 * The eight typed read methods the extension puts on every model. They accept `cache` (typed),
 * return a promise with `withCacheInfo()`, and — when no extension was applied before the cache —
 * consult the cache before entering Prisma's request pipeline: a hit never builds a Prisma
 * request. Only a read that needs the database goes down through the layers below (extensions
 * stacked later, then the query hook, which just runs it). With extensions applied before the
 * cache, every read goes through Prisma, so theirs run for hits too, and the query hook serves it.
 * The four single-record reads keep Prisma's fluent API (`findUnique(...).posts()`): a relation
 * call is Prisma's own, on the promise of the layer below, and runs uncached.
 */
import { Prisma } from '@prisma/client/extension'
import type { Path } from '@prisma/client/runtime/client'
import type { CacheEngine } from '../engine.js'
import { CacheConfigError } from '../errors.js'
import { peekHit, readThrough, readUncached, type ReadOutcome } from '../read/pipeline.js'
import { startRead } from '../read/start.js'
import { READ_OPERATIONS, type CacheInfo, type ReadCacheOption } from '../types.js'
import { currentInfoSink, recordInfo, withInfo } from './info.js'
import { runPassthrough } from './passthrough.js'
import { withoutCallsite } from './without-callsite.js'

/** The `cache` argument the read methods accept. */
export interface CacheArgs {
  cache?: ReadCacheOption
}

/** A Prisma promise with `withCacheInfo()`. */
export type CachedPromise<T> = Prisma.PrismaPromise<T> & {
  /** Resolves the data together with how the cache answered. */
  withCacheInfo(): Promise<{ data: T; info: CacheInfo }>
}

/** The reads Prisma gives its fluent API to. */
type FluentOperation = 'findUnique' | 'findUniqueOrThrow' | 'findFirst' | 'findFirstOrThrow'
type ModelTypes<T> = T extends { [K: symbol]: { types: infer M } } ? M : never
type RelationsOf<T> = ModelTypes<T> extends { payload: { objects: infer O } } ? O : never
type SelectOf<T, P extends FluentOperation> = ModelTypes<T> extends { operations: { [K in P]: { args: { select?: infer S } } } } ? S : never

/**
 * Prisma's fluent API on a single-record read of model `T`: one method per relation, resolving
 * that relation (or `Null` when the read found no row: `null` for `findUnique` and `findFirst`).
 * Calls chained past the first relation run as in Prisma but are typed as a plain Prisma promise.
 */
export type FluentRelations<T, P extends FluentOperation, Null> = {
  [K in keyof RelationsOf<T>]: <A>(args?: Prisma.Exact<A, Path<SelectOf<T, P>, [K]>>) => Prisma.PrismaPromise<Path<Prisma.Result<T, { select: { [k in K]: A } }, P>, [K]> | Null>
}

function attachInfo<T>(promise: Prisma.PrismaPromise<T>): CachedPromise<T> {
  const cached = promise as CachedPromise<T>
  cached.withCacheInfo = () => withInfo(() => promise)
  return cached
}

type Delegate = Record<string, (a: unknown) => Prisma.PrismaPromise<any>>
type ParentContext = { $name: string; $parent: Record<string, Delegate> }
type ReadClass = new (...args: ConstructorParameters<typeof LazyRead<any>>) => LazyRead<any>

/** Starts a typed read (typed by the read method's signature) as a `Read` (see {@link readClass}). */
function cachedRead(engine: CacheEngine, Read: ReadClass, self: unknown, operation: string, args: unknown): any {
  const context = Prisma.getExtensionContext(self) as unknown as ParentContext | undefined
  // A method taken off its model (`const { findMany } = prisma.user`) is called without `this`:
  // Prisma then tells an extension method neither its model nor the layer below it.
  if (context?.$parent === undefined) throw new CacheConfigError(operation, `call it on its model, e.g. prisma.user.${operation}(...): a read method taken off the model has no model`)
  // The layer below is looked up only when a read needs it: a hit never touches Prisma.
  const below = (a: unknown) => withoutCallsite(() => context.$parent[context.$name]![operation]!(a))
  return new Read(engine, context.$name, operation, args as Record<string, unknown> | undefined, below)
}

/**
 * A Prisma-promise look-alike for a typed read. Like a Prisma promise it runs on `then()`, which
 * is when the read starts and the cache is consulted (so a write that resolved after the call is
 * seen). Inside a batch `$transaction` it hands over to a Prisma promise of the layer below, which
 * bypasses the cache.
 */
class LazyRead<T> {
  readonly [Symbol.toStringTag] = 'PrismaPromise'
  readonly #engine: CacheEngine
  readonly #model: string
  readonly #operation: string
  readonly #args: Record<string, unknown> | undefined
  readonly #below: (args: unknown) => Prisma.PrismaPromise<T>
  #parent: Prisma.PrismaPromise<T> | undefined
  #started: Promise<T> | undefined
  /** How the started read was served, once known (for a later `withCacheInfo()`). */
  #info: CacheInfo | undefined

  constructor(engine: CacheEngine, model: string, operation: string, args: Record<string, unknown> | undefined, below: (args: unknown) => Prisma.PrismaPromise<T>) {
    this.#engine = engine
    this.#model = model
    this.#operation = operation
    this.#args = args
    this.#below = below
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
    // Started already (awaited, or asked before): report what that start recorded.
    if (this.#started) return this.#started.then((data) => ({ data, info: this.#info ?? { status: 'bypass' } }))
    return withInfo(() => this.#start())
  }

  /** Called by Prisma's batch `$transaction`: the read runs in the transaction, uncached. */
  requestTransaction(batch: unknown): unknown {
    return (this.#getParent() as unknown as { requestTransaction(b: unknown): unknown }).requestTransaction(batch)
  }

  get spec(): unknown {
    return (this.#getParent() as unknown as { spec: unknown }).spec
  }

  #getParent(): Prisma.PrismaPromise<T> {
    return (this.#parent ??= this.#below(this.#args))
  }

  /**
   * The method of Prisma's fluent API for `relation`: the same call on the Prisma promise of the
   * layer below, which sends the read with the relation selected (the query hook runs it
   * uncached), and whose result has the next relation's methods.
   */
  static relationMethod(relation: string): (this: LazyRead<unknown>, args?: unknown) => unknown {
    return function (this: LazyRead<unknown>, args?: unknown) {
      return (this.#getParent() as unknown as Record<string, (a: unknown) => unknown>)[relation]!(args)
    }
  }

  #start(): Promise<T> {
    if (this.#started) return this.#started
    // Extensions applied before the cache run for every read: let Prisma's pipeline (and the
    // query hook inside it) serve the read.
    if (!this.#engine.fastPath) {
      const parent = Promise.resolve(this.#getParent())
      // The query hook reports into the sink of a running withCacheInfo(); keep it for a later one.
      const sink = currentInfoSink()
      return (this.#started = sink ? parent.then((value) => ((this.#info = sink.info), value)) : parent)
    }
    let outcome: ReadOutcome | Promise<ReadOutcome>
    try {
      outcome = this.#read()
    } catch (error) {
      return (this.#started = Promise.reject(error)) // a bad `cache` option: CacheConfigError, as from the hook
    }
    if (!(outcome instanceof Promise)) {
      recordInfo((this.#info = outcome.info))
      return (this.#started = Promise.resolve(outcome.value as T))
    }
    return (this.#started = outcome.then((o) => {
      recordInfo((this.#info = o.info))
      return o.value as T
    }))
  }

  /** Starts the read; a fresh in-process hit is answered synchronously. */
  #read(): ReadOutcome | Promise<ReadOutcome> {
    const engine = this.#engine
    const started = startRead(engine, this.#model, this.#operation, this.#args)
    if (started.kind !== 'cached') {
      const { args } = started
      return readUncached(engine, started.kind, started, () => runPassthrough(args, (a) => this.#below(a)), false)
    }
    const { plan } = started
    return peekHit(engine, plan) ?? readThrough(engine, plan, () => runPassthrough(plan.args, (a) => this.#below(a)))
  }
}

/**
 * The {@link LazyRead} of one client: with one method per relation name of its schema, so the
 * single-record reads keep Prisma's fluent API. One class for every read of the client, built
 * once: the read promise's call sites see one shape, as before the fluent methods (a class per
 * model measured slower on hits). On a read Prisma gives no fluent API to (or a model without
 * that relation), the method finds no such relation on the layer below's promise and throws
 * Prisma's "is not a function", as without the cache. A relation named like a member of the
 * promise (`then`, `spec`, ...) is left out: the promise's own member wins.
 */
function readClass(engine: CacheEngine): ReadClass {
  const relations = new Set<string>()
  for (const model of engine.graph.models.values()) for (const relation of model.relations.keys()) relations.add(relation)
  if (relations.size === 0) return LazyRead
  const ClientRead = class<T> extends LazyRead<T> {}
  for (const relation of relations) {
    if (relation in ClientRead.prototype) continue
    Object.defineProperty(ClientRead.prototype, relation, { value: LazyRead.relationMethod(relation), writable: true, configurable: true })
  }
  return ClientRead
}

const READ_OPERATIONS_SET = new Set<string>(READ_OPERATIONS)

/**
 * An interactive transaction's client with `withCacheInfo()` on every read (they bypass the
 * cache inside a transaction, and report so), matching the type the extension gives `tx`.
 */
export function withReadInfo(tx: object): object {
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

/** The eight reads, typed to accept `cache` and to return a promise with `withCacheInfo()`. */
export function readMethods(engine: CacheEngine) {
  const Read = readClass(engine)
  return {
    findUnique<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'findUnique'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findUnique'>> & FluentRelations<T, 'findUnique', null> {
      return cachedRead(engine, Read, this, 'findUnique', args)
    },
    findUniqueOrThrow<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'findUniqueOrThrow'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findUniqueOrThrow'>> & FluentRelations<T, 'findUniqueOrThrow', never> {
      return cachedRead(engine, Read, this, 'findUniqueOrThrow', args)
    },
    findFirst<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findFirst'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findFirst'>> & FluentRelations<T, 'findFirst', null> {
      return cachedRead(engine, Read, this, 'findFirst', args)
    },
    findFirstOrThrow<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findFirstOrThrow'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findFirstOrThrow'>> & FluentRelations<T, 'findFirstOrThrow', never> {
      return cachedRead(engine, Read, this, 'findFirstOrThrow', args)
    },
    findMany<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'findMany'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'findMany'>> {
      return cachedRead(engine, Read, this, 'findMany', args)
    },
    count<T, A>(this: T, args?: Prisma.Exact<A, Prisma.Args<T, 'count'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'count'>> {
      return cachedRead(engine, Read, this, 'count', args)
    },
    aggregate<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'aggregate'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'aggregate'>> {
      return cachedRead(engine, Read, this, 'aggregate', args)
    },
    groupBy<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'groupBy'> & CacheArgs>): CachedPromise<Prisma.Result<T, A, 'groupBy'>> {
      return cachedRead(engine, Read, this, 'groupBy', args)
    },
  }
}
