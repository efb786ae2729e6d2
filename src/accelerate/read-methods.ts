/**
 * The eight reads of `withAccelerate()`: typed like Accelerate's (`cacheStrategy`, results that
 * keep their Prisma types, `withAccelerateInfo()`), they translate `cacheStrategy` to `cache` and
 * call the cache extension's own read methods, in the same layer.
 */
import type { Prisma } from '@prisma/client/extension'
import type { Operation } from '@prisma/client/runtime/client'
import type { CacheEngine } from '../engine.js'
import { readMethods, type CacheArgs, type CachedPromise } from '../prisma/read-methods.js'
import { READ_OPERATIONS } from '../types.js'
import { accelerateInfo } from './info.js'
import { LazyPrismaPromise } from './lazy-promise.js'
import { withCacheOption } from './strategy.js'
import type { AcceleratedPromise, AccelerateInfo, PrismaCacheStrategy } from './types.js'

type Args = Record<string, unknown> | undefined
type Read = (args: Args) => CachedPromise<unknown>

/** A Prisma promise as a batch `$transaction` sees it. */
type Batchable<T> = { requestTransaction(batch: unknown): PromiseLike<T> }

/**
 * Adds `withAccelerateInfo()` to a promise that has `withCacheInfo()`. In a batch `$transaction`
 * the read runs in the batch, uncached (as the read itself does there), and reports `'none'`.
 */
export function accelerated<T>(promise: CachedPromise<T>): AcceleratedPromise<T> {
  const withAccelerateInfo = () =>
    new LazyPrismaPromise(
      async (): Promise<{ data: T; info: AccelerateInfo | null }> => {
        const { data, info } = await promise.withCacheInfo()
        return { data, info: accelerateInfo(info) }
      },
      async (batch) => ({ data: await (promise as unknown as Batchable<T>).requestTransaction(batch), info: accelerateInfo({ status: 'bypass' }) }),
    )
  return Object.assign(promise, { withAccelerateInfo })
}

/** A read whose arguments were rejected: every way of awaiting it (in a batch too) rejects with `error`. */
function rejected(error: unknown): AcceleratedPromise<never> {
  const fail = () => Promise.reject(error)
  const promise = Object.assign(new LazyPrismaPromise<never>(fail, fail), {
    withCacheInfo: fail,
  })
  return accelerated(promise as unknown as CachedPromise<never>)
}

/** Calls `read` with `cacheStrategy` turned into `cache`. */
export function acceleratedCall(read: Read, args: Args): AcceleratedPromise<any> {
  let mapped: Args
  try {
    mapped = withCacheOption(args)
  } catch (error) {
    return rejected(error) // like a bad `cache` option: the promise rejects with CacheConfigError
  }
  return accelerated(read(mapped))
}

const READS = new Set<string>(READ_OPERATIONS)

/**
 * An interactive transaction's client whose eight reads accept `cacheStrategy` and offer
 * `withAccelerateInfo()` (they bypass the cache inside a transaction and report `'none'`), with
 * `members` (`$accelerate`, `$cache`) that the client below the surface lacks. `tx` already has
 * `withCacheInfo()` on its reads.
 */
export function acceleratedTransactionClient(tx: object, members: Record<string, unknown>): object {
  const models = new Map<PropertyKey, object>()
  return new Proxy(tx, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && Object.hasOwn(members, prop)) return members[prop]
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'object' || value === null || typeof (value as { findMany?: unknown }).findMany !== 'function') return value
      let model = models.get(prop)
      if (!model) {
        model = new Proxy(value, {
          get(delegate, operation, modelReceiver) {
            const method = Reflect.get(delegate, operation, modelReceiver) as unknown
            if (typeof operation !== 'string' || !READS.has(operation) || typeof method !== 'function') return method
            const read = method as Read
            return (args: Args) => acceleratedCall((a) => read.call(delegate, a), args)
          },
        })
        models.set(prop, model)
      }
      return model
    },
  })
}

/** What a read accepts: Prisma's arguments, `cache` and `cacheStrategy`. */
type ReadArgs<T, O extends Operation> = Prisma.Args<T, O> & CacheArgs & PrismaCacheStrategy

/**
 * The eight reads, typed to accept `cacheStrategy` and `cache` and to return an
 * {@link AcceleratedPromise}; each calls the cache extension's read of the same name.
 */
export function accelerateReadMethods(engine: CacheEngine) {
  const reads = readMethods(engine) as unknown as Record<string, (this: unknown, args: Args) => CachedPromise<unknown>>
  const acceleratedRead = (self: unknown, operation: string, args: unknown) => acceleratedCall((a) => reads[operation]!.call(self, a), args as Args)
  return {
    findUnique<T, A>(this: T, args: Prisma.Exact<A, ReadArgs<T, 'findUnique'>>): AcceleratedPromise<Prisma.Result<T, A, 'findUnique'>> {
      return acceleratedRead(this, 'findUnique', args)
    },
    findUniqueOrThrow<T, A>(this: T, args: Prisma.Exact<A, ReadArgs<T, 'findUniqueOrThrow'>>): AcceleratedPromise<Prisma.Result<T, A, 'findUniqueOrThrow'>> {
      return acceleratedRead(this, 'findUniqueOrThrow', args)
    },
    findFirst<T, A>(this: T, args?: Prisma.Exact<A, ReadArgs<T, 'findFirst'>>): AcceleratedPromise<Prisma.Result<T, A, 'findFirst'>> {
      return acceleratedRead(this, 'findFirst', args)
    },
    findFirstOrThrow<T, A>(this: T, args?: Prisma.Exact<A, ReadArgs<T, 'findFirstOrThrow'>>): AcceleratedPromise<Prisma.Result<T, A, 'findFirstOrThrow'>> {
      return acceleratedRead(this, 'findFirstOrThrow', args)
    },
    findMany<T, A>(this: T, args?: Prisma.Exact<A, ReadArgs<T, 'findMany'>>): AcceleratedPromise<Prisma.Result<T, A, 'findMany'>> {
      return acceleratedRead(this, 'findMany', args)
    },
    count<T, A>(this: T, args?: Prisma.Exact<A, ReadArgs<T, 'count'>>): AcceleratedPromise<Prisma.Result<T, A, 'count'>> {
      return acceleratedRead(this, 'count', args)
    },
    aggregate<T, A>(this: T, args: Prisma.Exact<A, ReadArgs<T, 'aggregate'>>): AcceleratedPromise<Prisma.Result<T, A, 'aggregate'>> {
      return acceleratedRead(this, 'aggregate', args)
    },
    groupBy<T, A>(this: T, args: Prisma.Exact<A, ReadArgs<T, 'groupBy'>>): AcceleratedPromise<Prisma.Result<T, A, 'groupBy'>> {
      return acceleratedRead(this, 'groupBy', args)
    },
  }
}
