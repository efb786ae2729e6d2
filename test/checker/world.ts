/**
 * A world: cached clients that must agree with each other because they share one cache, plus a raw
 * oracle client, all on one database. Each cached client has its own PrismaClient (its own
 * connection pool) and its own Redis connection, like separate processes would.
 * - `redis`: three clients on `redisStore` sharing one namespace.
 * - `tiered`: three clients on `tieredStore` (an L1 each, one bus channel) sharing one namespace.
 *   Another process's L1 may lag by the bus delivery time (guarantee 2), so `barrier()` waits until
 *   every bus has delivered a marker published after the writes.
 * - `memory`: one client on its own `memoryStore()` (a memory store sees only its process's writes).
 * - `mixed`: two `redisStore` clients and one `tieredStore` client on one namespace (a rollout from
 *   one store to the other): the Redis stores announce their invalidations on the tiered bus.
 * - `cluster`: on the run's Redis Cluster (REDIS_CLUSTER_NODES), two `redisStore` clients on ioredis
 *   `Cluster`s, one on a node-redis cluster, and one `tieredStore` whose bus listens on one node
 *   (its barrier marker is published on every node: see `barrier()`).
 */
import { randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { createCluster } from 'redis'
import { cacheExtension, memoryStore, redisStore, tieredStore, type CacheStats, type CacheStore, type TieredStore } from '../../src/index.js'
import type { TestDatabase } from '../helpers/database.js'
import { clusterSeeds } from '../helpers/redis-cluster.js'
import type { AnyClient } from './execute.js'

export type WorldKind = 'redis' | 'tiered' | 'memory' | 'mixed' | 'cluster'

/** Where the world's Redis is. */
export interface RedisTarget {
  url: string
  db?: number
}

/** Options of {@link createWorld}. */
export interface WorldOptions {
  precision?: 'row' | 'model'
  redis?: RedisTarget
}

/** Cached clients sharing one cache, and an oracle on the same database. */
export interface World {
  kind: WorldKind
  namespace: string
  clients: AnyClient[]
  oracle: AnyClient
  db: TestDatabase
  /** Resolves once every process-local copy has heard of every write resolved before the call. */
  barrier(): Promise<void>
  /** Drops every entry and version of the namespace. */
  clearCache(): Promise<void>
  stats(): CacheStats[]
  /** Cache-side failures the clients reported (`error` events): after one, another process may legitimately serve an entry the failed invalidation did not reach. */
  cacheErrors: string[]
  close(): Promise<void>
}

const BARRIER = 'pqc-checker-barrier:'

async function connect(target: RedisTarget): Promise<Redis> {
  const client = new Redis(target.url, { db: target.db ?? 0, maxRetriesPerRequest: 1, lazyConnect: true })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** Builds a world of `kind` on `db`. */
export async function createWorld(kind: WorldKind, db: TestDatabase, options: WorldOptions = {}): Promise<World> {
  const namespace = 'chk_' + randomBytes(6).toString('hex')
  const target = options.redis ?? { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }
  const connections: { disconnect(): unknown }[] = []
  /** `arrivals`: how many copies of the latest barrier marker this store's bus delivered (one per publisher). */
  const tiered: { store: TieredStore; marker: number; arrivals: number }[] = []
  const open = async () => {
    const c = await connect(target)
    connections.push(c)
    return c
  }
  const seeds = kind === 'cluster' ? clusterSeeds() : []
  const openCluster = async () => {
    const c = new Cluster(seeds, { redisOptions: { maxRetriesPerRequest: 1 } })
    c.on('error', () => {})
    connections.push(c)
    await new Promise((resolve) => c.once('ready', resolve))
    return c
  }
  const openNodeRedisCluster = async () => {
    const c = createCluster({ rootNodes: seeds.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) })
    c.on('error', () => {})
    await c.connect()
    connections.push({ disconnect: () => c.destroy() })
    return c
  }
  const makeTiered = async (): Promise<CacheStore> => {
    // On a cluster the bus listens on one node (classic pub/sub reaches every node).
    const bus = kind === 'cluster' ? await connect({ url: `redis://${seeds[0]!.host}:${seeds[0]!.port}` }) : await open()
    if (kind === 'cluster') connections.push(bus)
    const l2 = redisStore({ client: kind === 'cluster' ? await openCluster() : await open() })
    const store = tieredStore({ l2, bus, channel: `${namespace}:bus` })
    const entry = { store, marker: 0, arrivals: 0 }
    // Registered after the store's own listener: when the marker shows up here, the bus has applied every earlier message.
    bus.on('messageBuffer', (_channel: Buffer, payload: Buffer) => {
      const text = payload.toString()
      if (!text.startsWith(BARRIER)) return
      const n = Number(text.slice(BARRIER.length))
      if (n > entry.marker) Object.assign(entry, { marker: n, arrivals: 0 })
      if (n === entry.marker) entry.arrivals++
    })
    tiered.push(entry)
    return store
  }
  const plans: Record<WorldKind, (() => Promise<CacheStore>)[]> = {
    redis: [0, 1, 2].map(() => async () => redisStore({ client: await open() })),
    tiered: [0, 1, 2].map(() => makeTiered),
    memory: [async () => memoryStore()],
    mixed: [0, 1].map(() => async () => redisStore({ client: await open(), channel: `${namespace}:bus` }) as CacheStore).concat(makeTiered),
    cluster: [
      async () => redisStore({ client: await openCluster() }),
      async () => redisStore({ client: await openCluster() }),
      async () => redisStore({ client: await openNodeRedisCluster() }),
      makeTiered,
    ],
  }
  const stores: CacheStore[] = []
  for (const make of plans[kind]) stores.push(await make())
  const clients = stores.map((store) =>
    db.newClient().$extends(cacheExtension({ store, namespace, precision: options.precision ?? 'row', timeouts: { store: 2000 } })) as unknown as AnyClient,
  )
  const cacheErrors: string[] = []
  clients.forEach((c, i) => c.$cache.on('error', (e: { operation?: string; error?: Error }) => cacheErrors.push(`client ${i}: ${e.operation ?? ''} ${e.error?.message ?? ''}`)))
  await waitUntil(() => tiered.every((t) => t.store.bus.healthy), 'the tiered stores did not subscribe')
  let marker = 0
  // On a cluster a message published on one node reaches the bus's node over that node's own cluster
  // link: a marker published on another node can overtake a writer's announcement (measured: 2 of 3
  // times). Messages from one node arrive in order, so the marker is published on every node, and
  // the barrier holds once every copy arrived.
  const publishers = tiered.length === 0 ? [] : kind === 'cluster' ? await Promise.all(seeds.map(({ host, port }) => connect({ url: `redis://${host}:${port}` }))) : [await open()]
  if (kind === 'cluster') connections.push(...publishers)

  return {
    kind,
    namespace,
    clients,
    oracle: db.newClient() as unknown as AnyClient,
    db,
    async barrier() {
      if (publishers.length === 0) return
      const n = ++marker
      await Promise.all(publishers.map((p) => p.publish(`${namespace}:bus`, BARRIER + n)))
      await waitUntil(() => tiered.every((t) => t.marker > n || (t.marker === n && t.arrivals >= publishers.length)), 'a bus did not deliver the barrier marker')
    },
    async clearCache() {
      await Promise.all(clients.map((c) => c.$cache.clear()))
    },
    stats: () => clients.map((c) => c.$cache.stats() as CacheStats),
    cacheErrors,
    async close() {
      for (const t of tiered) await t.store.close()
      for (const c of connections) c.disconnect()
    },
  }
}

async function waitUntil(condition: () => boolean, message: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}
