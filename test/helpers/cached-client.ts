/**
 * A cached Prisma client over a TestDatabase, for each kind of store. cacheExtension is applied
 * last, on top of the raw client whose driver adapter counts and gates SQL, so every query that
 * reaches PostgreSQL is counted no matter what the cache did.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll } from 'vitest'
import { cacheExtension, memoryStore, redisStore, type CacheOptions, type CacheStore } from '../../src/index.js'
import type { TestDatabase } from './database.js'

/** The stores every store-dependent behaviour is checked on. */
export const STORE_KINDS = ['memory', 'redis'] as const
export type StoreKind = (typeof STORE_KINDS)[number]

let sharedRedis: Redis | undefined

/** One Redis connection per test file, closed after the file's tests. */
export function testRedis(): Redis {
  if (!sharedRedis) {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 })
    sharedRedis = client
    afterAll(async () => {
      sharedRedis = undefined
      await client.quit()
    })
  }
  return sharedRedis
}

/** A namespace no other test (or file) uses. */
export function uniqueNamespace(): string {
  return 't_' + randomBytes(6).toString('hex')
}

/** A fresh store of the given kind. */
export function makeStore(kind: StoreKind): CacheStore {
  return kind === 'memory' ? memoryStore() : redisStore({ client: testRedis() })
}

/** Options for {@link cachedClient}: every cacheExtension option, and a store kind instead of a store. */
export type CachedClientOptions = Omit<CacheOptions, 'store'> & { store?: CacheStore }

/**
 * `db.prisma` extended with cacheExtension on a fresh store of `kind`, in a namespace of its own.
 * The store deadline defaults to 2 s (not 100 ms): on a loaded CI machine a slow Redis reply must
 * not turn a hit into an `error`. Fail-open tests pass their own `timeouts`.
 */
export function cachedClient(db: TestDatabase, kind: StoreKind, options: CachedClientOptions = {}) {
  const namespace = options.namespace ?? uniqueNamespace()
  const store = options.store ?? makeStore(kind)
  const timeouts = options.timeouts ?? { store: 2000 }
  const prisma = db.prisma.$extends(cacheExtension({ ...options, store, namespace, timeouts }))
  return { prisma, store, namespace }
}

/** The client type {@link cachedClient} returns. */
export type CachedClient = ReturnType<typeof cachedClient>['prisma']
