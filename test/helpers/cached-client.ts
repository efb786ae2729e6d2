/**
 * A cached Prisma client over a TestDatabase, for each kind of store. cacheExtension is applied
 * last, on top of the raw client whose driver adapter counts and gates SQL, so every query that
 * reaches PostgreSQL is counted no matter what the cache did.
 */
import { randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster } from 'redis'
import { afterAll, expect } from 'vitest'
import { cacheExtension, memoryStore, redisStore, type CacheApi, type CacheOptions, type CacheStore } from '../../src/index.js'
import type { TestDatabase } from './database.js'
import { clusterSeeds } from './redis-cluster.js'

/** The stores every store-dependent behaviour is checked on. */
export const STORE_KINDS = ['memory', 'redis'] as const
/** Those, and a Redis Cluster (ioredis), for the behaviours checked on a cluster too. */
export const CLUSTER_KINDS = [...STORE_KINDS, 'cluster'] as const
/** Every Redis client × topology the Redis store supports. */
export const REDIS_CLIENT_KINDS = ['redis', 'cluster', 'node-redis', 'node-redis-cluster'] as const
export type StoreKind = (typeof STORE_KINDS)[number] | (typeof REDIS_CLIENT_KINDS)[number]

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

let sharedCluster: Cluster | undefined

/** One ioredis Cluster connection per test file (to the run's test cluster), closed after the file's tests. */
export function testCluster(): Cluster {
  if (!sharedCluster) {
    const client = new Cluster(clusterSeeds(), { redisOptions: { maxRetriesPerRequest: 1 } })
    client.on('error', () => {})
    sharedCluster = client
    afterAll(async () => {
      sharedCluster = undefined
      await client.quit()
    })
  }
  return sharedCluster
}

type NodeRedis = { on(event: 'error', listener: () => void): unknown; connect(): Promise<unknown>; destroy(): void; sendCommand: never; isOpen: boolean }
const nodeRedis: { client?: NodeRedis; cluster?: NodeRedis } = {}

/** One node-redis client (or cluster) per test file, connected, closed after the file's tests. */
export async function testNodeRedis(topology: 'client' | 'cluster'): Promise<NodeRedis> {
  const existing = nodeRedis[topology]
  if (existing) return existing
  const client: NodeRedis = topology === 'client'
    ? createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }) as unknown as NodeRedis
    : createCluster({ rootNodes: clusterSeeds().map(({ host, port }) => ({ url: `redis://${host}:${port}` })) }) as unknown as NodeRedis
  client.on('error', () => {})
  await client.connect()
  nodeRedis[topology] = client
  afterAll(async () => {
    delete nodeRedis[topology]
    client.destroy()
  })
  return client
}

/** A namespace no other test (or file) uses. */
export function uniqueNamespace(): string {
  return 't_' + randomBytes(6).toString('hex')
}

/** A fresh store of the given kind (the node-redis kinds need {@link prepareStoreKind} first). */
export function makeStore(kind: StoreKind): CacheStore {
  switch (kind) {
    case 'memory': return memoryStore()
    case 'redis': return redisStore({ client: testRedis() })
    case 'cluster': return redisStore({ client: testCluster() })
    case 'node-redis': return redisStore({ client: nodeRedis.client ?? missing(kind) })
    case 'node-redis-cluster': return redisStore({ client: nodeRedis.cluster ?? missing(kind) })
  }
}

/** Connects what `kind` needs (node-redis clients connect asynchronously); call it in beforeAll. */
export async function prepareStoreKind(kind: StoreKind): Promise<void> {
  if (kind === 'node-redis') await testNodeRedis('client')
  if (kind === 'node-redis-cluster') await testNodeRedis('cluster')
}

function missing(kind: StoreKind): never {
  throw new Error(`makeStore('${kind}'): call prepareStoreKind('${kind}') in beforeAll first`)
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
  if (kind !== 'memory') watchCrossSlot(prisma.$cache)
  return { prisma, store, namespace }
}

let crossSlot: number | undefined

/**
 * Counts `error` events that carry CROSSSLOT (a multi-slot command sent to a cluster) and fails
 * the file if any was seen: on one server there are none by construction, on a cluster they
 * would mean the store sent keys of two slots in one command.
 */
function watchCrossSlot(cache: CacheApi): void {
  if (crossSlot === undefined) {
    crossSlot = 0
    afterAll(() => {
      const seen = crossSlot
      crossSlot = undefined
      expect(seen, 'error events with CROSSSLOT').toBe(0)
    })
  }
  cache.on('error', (event: { error?: Error }) => {
    const text = `${event.error?.message ?? ''} ${String((event.error?.cause as Error | undefined)?.message ?? '')}`
    if (text.includes('CROSSSLOT')) crossSlot!++
  })
}

/** The client type {@link cachedClient} returns. */
export type CachedClient = ReturnType<typeof cachedClient>['prisma']
