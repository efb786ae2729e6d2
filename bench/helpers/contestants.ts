/**
 * Contestants: raw Prisma, two floors (the least any Prisma caching extension can cost), this
 * library on each store, and the other Prisma caching extensions. Each is a factory that builds a
 * fresh client on the bench database (its own pool, its own statement counter) and, when it
 * needs one, its own ioredis connection to `env.redisUrl` (ioredis defaults; the Redis-down probe
 * points it at a closed port). Adding a contestant is one entry in `CONTESTANTS`.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { CacheStore } from '../../src/index.js'
import { Prisma, type PrismaClient } from '../../test/generated/prisma/client.js'
import { countedClient, type QueryCounter } from './database.js'
import { floorAExtension, floorBExtension } from './floors.js'
import { ensureLegacyClient } from './legacy-client.js'
import { library, librarySource } from './library.js'
import { exportOf, loadPeer } from './peers.js'
import type { ContestantInfo } from './results.js'

const { cacheExtension, memoryStore, redisStore } = library

/** A client of any contestant: the same model delegates, typed loosely. */
export type AnyClient = Record<string, any>

/** Where a contestant instance connects. */
export interface InstanceEnv {
  databaseUrl: string
  redisUrl: string
  /** Redis logical database of the bench. */
  redisDb: number
}

/** One live contestant client. */
export interface Instance {
  client: AnyClient
  /** Adds the contestant's per-read cache option (`cache: true` or nothing for auto-caching ones). */
  cached(args: Record<string, unknown>): Record<string, unknown>
  counter: QueryCounter
  /** Cache-side errors the contestant reported through its own error hook, if it has one. */
  errors: string[]
  close(): Promise<void>
}

/** A contestant of the bench: what the report says of it, and how to make a live instance. */
export interface Contestant extends ContestantInfo {
  create(env: InstanceEnv): Promise<Instance>
}

const TTL_SECONDS = 3_600
const same = (args: Record<string, unknown>) => args
const withCache = (args: Record<string, unknown>) => ({ ...args, cache: true })

function redisClient(env: InstanceEnv): Redis {
  const client = new Redis(env.redisUrl, { db: env.redisDb })
  client.on('error', () => {})
  return client
}

function unique(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`
}

/** Builds an instance on a fresh counted client; `extend` applies the extension last. */
async function build(env: InstanceEnv, extend: (prisma: PrismaClient, errors: string[]) => AnyClient, cached = same, close: () => Promise<void> = async () => {}): Promise<Instance> {
  const { prisma, counter } = countedClient(env.databaseUrl)
  await prisma.$connect()
  const errors: string[] = []
  return {
    client: extend(prisma, errors),
    cached,
    counter,
    errors,
    close: async () => {
      await close()
      await prisma.$disconnect()
    },
  }
}

const raw: Contestant = {
  id: 'raw',
  label: 'raw Prisma',
  kind: 'baseline',
  usesRedis: false,
  create: (env) => build(env, (prisma) => prisma),
}

/** Floor A: a bare query hook answering from a Map, the value kept by reference (no copy). */
const floorA: Contestant = {
  id: 'floor-a',
  label: 'floor A (Map hook)',
  kind: 'floor',
  usesRedis: false,
  notes: 'key = JSON.stringify([model, operation, args]); value cached by reference (no copy, no invalidation)',
  create: (env) => build(env, (prisma) => prisma.$extends(floorAExtension())),
}

/** Floor B: a bare query hook doing one ioredis GET plus JSON.parse; a miss queries and SETs. */
const floorB: Contestant = {
  id: 'floor-b',
  label: 'floor B (Redis GET hook)',
  kind: 'floor',
  usesRedis: true,
  notes: 'GET + JSON.parse; miss: query + SET EX (JSON.stringify, BigInt as string); no invalidation',
  create: (env) => {
    const redis = redisClient(env)
    const prefix = unique('floorb:')
    return build(env, (prisma) => prisma.$extends(floorBExtension(redis, prefix, TTL_SECONDS)), same, async () => redis.disconnect())
  },
}

function ours(
  id: string,
  label: string,
  floor: 'floor-a' | 'floor-b',
  usesRedis: boolean,
  makeStore: (env: InstanceEnv, closers: (() => unknown)[]) => CacheStore,
  results: 'copy' | 'frozen' = 'copy',
): Contestant {
  return {
    id,
    label,
    kind: 'ours',
    floor,
    usesRedis,
    notes: `cacheExtension({ store, ttl: 3600${results === 'frozen' ? ", results: 'frozen'" : ''} }), other options at their defaults; reads pass cache: true; measured from ${librarySource === 'dist' ? 'the built package (dist/esm)' : 'src/ through tsx'}`,
    create: (env) => {
      const closers: (() => unknown)[] = []
      const store = makeStore(env, closers)
      const extension = (prisma: PrismaClient, errors: string[]) =>
        prisma.$extends(cacheExtension({ store, ttl: TTL_SECONDS, results, namespace: unique('pqcb'), onError: (error) => void errors.push(error.message) }))
      return build(env, extension, withCache, async () => {
        for (const close of closers) await close()
      })
    },
  }
}

const oursMemory = ours('pqc-memory', 'prisma-query-cache (memory)', 'floor-a', false, () => memoryStore())
const oursMemoryFrozen = ours('pqc-memory-frozen', "prisma-query-cache (memory, results: 'frozen')", 'floor-a', false, () => memoryStore(), 'frozen')
const oursRedis = ours('pqc-redis', 'prisma-query-cache (redis)', 'floor-b', true, (env, closers) => {
  const client = redisClient(env)
  closers.push(() => client.disconnect())
  return redisStore({ client })
})

/** tieredStore, when the library exports it. */
function oursTiered(results: 'copy' | 'frozen' = 'copy'): Contestant | undefined {
  const exports = library as Record<string, unknown>
  const tiered = exports.tieredStore as ((o: Record<string, unknown>) => CacheStore & { close?(): Promise<void> }) | undefined
  if (typeof tiered !== 'function') return undefined
  const [id, label] = results === 'frozen' ? ['pqc-tiered-frozen', "prisma-query-cache (tiered, results: 'frozen')"] : ['pqc-tiered', 'prisma-query-cache (tiered)']
  return ours(id, label, 'floor-a', true, (env, closers) => {
    const client = redisClient(env)
    const bus = redisClient(env)
    const store = tiered({ l2: redisStore({ client }), bus, channel: unique('pqc-bench-bus:') })
    closers.push(async () => {
      await store.close?.()
      bus.disconnect()
      client.disconnect()
    })
    return store
  }, results)
}

/** prisma-extension-redis: auto-caching every read, write invalidation on, STRING values (no RedisJSON on Redis 7). */
async function prismaExtensionRedis(): Promise<Contestant> {
  const loaded = await loadPeer('prisma-extension-redis')
  const base = { id: 'prisma-extension-redis', label: 'prisma-extension-redis', kind: 'peer' as const, floor: 'floor-b' as const, usesRedis: true }
  if ('error' in loaded) return { ...base, unavailable: loaded.error, create: () => Promise.reject(new Error(loaded.error)) }
  const PrismaExtensionRedis = exportOf(loaded.module, 'PrismaExtensionRedis')
  return {
    ...base,
    version: loaded.version,
    notes: "config { type: 'STRING', ttl: 3600, stale: 0, auto: { invalidateOnWrite: true } }; auto-caches every read",
    create: (env) => {
      const client = redisClient(env)
      return build(env, (prisma, errors) => prisma.$extends(PrismaExtensionRedis({
        config: {
          type: 'STRING',
          ttl: TTL_SECONDS,
          stale: 0,
          auto: { invalidateOnWrite: true, ttl: TTL_SECONDS, stale: 0 },
          cacheKey: { prefix: unique('pxr') },
          onError: (error: unknown) => void errors.push(String((error as Error)?.message ?? error)),
        },
        client,
      })), same, async () => client.disconnect())
    },
  }
}

/** prisma-extension-cache-manager over cache-manager's default in-memory (Keyv) store. */
async function prismaExtensionCacheManager(): Promise<Contestant> {
  const [ext, cm] = await Promise.all([loadPeer('prisma-extension-cache-manager'), loadPeer('cache-manager')])
  const base = { id: 'prisma-extension-cache-manager', label: 'prisma-extension-cache-manager', kind: 'peer' as const, floor: 'floor-a' as const, usesRedis: false }
  const error = 'error' in ext ? ext.error : 'error' in cm ? cm.error : undefined
  if (error || 'error' in ext || 'error' in cm) return { ...base, unavailable: error, create: () => Promise.reject(new Error(error)) }
  const extension = exportOf(ext.module)
  const createCache = exportOf(cm.module, 'createCache')
  return {
    ...base,
    version: `${ext.version} (cache-manager ${cm.version})`,
    notes: 'createCache({ ttl: 3600 s }) on its default in-memory Keyv store; reads pass cache: true; no write invalidation',
    create: (env) => build(env, (prisma) => prisma.$extends(extension({ cache: createCache({ ttl: TTL_SECONDS * 1000 }) })), withCache),
  }
}

/** prisma-redis-middleware: a `$use` middleware (removed in Prisma 6), run from a `$extends` query adapter. */
async function prismaRedisMiddleware(): Promise<Contestant> {
  const loaded = await loadPeer('prisma-redis-middleware')
  const base = { id: 'prisma-redis-middleware', label: 'prisma-redis-middleware', kind: 'peer' as const, floor: 'floor-b' as const, usesRedis: true }
  if ('error' in loaded) return { ...base, unavailable: loaded.error, create: () => Promise.reject(new Error(loaded.error)) }
  const createPrismaRedisCache = exportOf(loaded.module, 'createPrismaRedisCache')
  return {
    ...base,
    version: loaded.version,
    notes: "storage: redis, invalidation on, cacheTime 3600; wrapped as $extends({ query: { $allModels: { $allOperations } } }) calling middleware({ model, action, args }, next)",
    create: (env) => {
      const client = redisClient(env)
      return build(env, (prisma, errors) => {
        const middleware = createPrismaRedisCache({
          onError: (key: string) => void errors.push(`cache error on ${key}`),
          storage: { type: 'redis', options: { client, invalidation: { referencesTTL: TTL_SECONDS } } },
          cacheTime: TTL_SECONDS,
        }) as (params: Record<string, unknown>, next: (p: { args: unknown }) => Promise<unknown>) => Promise<unknown>
        return prisma.$extends({
          name: 'prisma-redis-middleware-adapter',
          query: {
            $allModels: {
              $allOperations: ({ model, operation, args, query }) =>
                middleware({ model, action: operation, args, dataPath: [], runInTransaction: false }, (params) => query(params.args as typeof args)),
            },
          },
        })
      }, same, async () => client.disconnect())
    },
  }
}

/** A pino-style logger for bentocache that keeps its warnings and errors as the instance's cache errors. */
function bentoLogger(errors: string[]): Record<string, unknown> {
  const keep = (first: unknown, message?: string) => {
    const err = (first as { err?: Error; error?: Error } | undefined)?.err ?? (first as { error?: Error } | undefined)?.error
    errors.push([typeof first === 'string' ? first : message, err?.message].filter(Boolean).join(': '))
  }
  const logger: Record<string, unknown> = { trace() {}, debug() {}, info() {}, warn: keep, error: keep, fatal: keep }
  logger.child = () => logger
  return logger
}

/**
 * prisma-smart-cache: a Proxy around the client (not an extension) on BentoCache, here a
 * process-memory L1 in front of a Redis L2, no bus (the README's "hybrid" setup). It builds its
 * relation graph from `Prisma.dmmf` of `@prisma/client`, hence the legacy client (legacy-client.ts).
 */
async function prismaSmartCache(): Promise<Contestant> {
  const base = { id: 'prisma-smart-cache', label: 'prisma-smart-cache', kind: 'peer' as const, floor: 'floor-a' as const, usesRedis: true }
  const legacy = ensureLegacyClient()
  if (legacy) return { ...base, unavailable: legacy, create: () => Promise.reject(new Error(legacy)) }
  const loaded = await Promise.all(['prisma-smart-cache', 'bentocache', 'bentocache/drivers/memory', 'bentocache/drivers/redis', 'ioredis'].map(loadPeer))
  const failed = loaded.find((p): p is { error: string } => 'error' in p)
  if (failed) return { ...base, unavailable: failed.error, create: () => Promise.reject(new Error(failed.error)) }
  const [psc, bento, memory, redis, peerIoredis] = loaded as { module: any; version: string }[]
  const smartCache = exportOf(psc!.module, 'smartCache')
  const { BentoCache, bentostore } = bento!.module as Record<string, any>
  const memoryDriver = exportOf(memory!.module, 'memoryDriver')
  const redisDriver = exportOf(redis!.module, 'redisDriver')
  // bentocache takes a client only if it is an instance of its own ioredis (bench/peers), so the
  // connection is built from that copy, with ioredis defaults and its errors swallowed like the others.
  const PeerRedis = exportOf(peerIoredis!.module, 'Redis') as typeof Redis
  return {
    ...base,
    version: `${psc!.version} (bentocache ${bento!.version})`,
    notes: 'smartCache(prisma, bento, { ttl: 3600 }); bentostore().useL1Layer(memoryDriver()).useL2Layer(redisDriver()), no bus; auto-caches every read; data model from the legacy prisma-client-js client',
    create: (env) => {
      const connection = new PeerRedis(env.redisUrl, { db: env.redisDb })
      connection.on('error', () => {})
      return build(env, (prisma, errors) => {
        const cache = new BentoCache({
          default: 'bench',
          prefix: unique('psc'),
          logger: bentoLogger(errors),
          stores: { bench: bentostore().useL1Layer(memoryDriver()).useL2Layer(redisDriver({ connection })) },
        })
        return smartCache(prisma, cache, { ttl: TTL_SECONDS }) as AnyClient
      }, same, async () => connection.disconnect())
    },
  }
}

/** Every contestant, in table order. */
export async function contestants(): Promise<Contestant[]> {
  const tiered = oursTiered()
  const tieredFrozen = oursTiered('frozen')
  return [
    raw,
    floorA,
    floorB,
    oursMemory,
    oursMemoryFrozen,
    oursRedis,
    ...(tiered ? [tiered] : []),
    ...(tieredFrozen ? [tieredFrozen] : []),
    await prismaExtensionRedis(),
    await prismaExtensionCacheManager(),
    await prismaSmartCache(),
    await prismaRedisMiddleware(),
  ]
}

export { Prisma }
