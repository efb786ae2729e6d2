/**
 * Failover on a Redis Cluster this file owns (3 masters, 1 replica each): a master is killed
 * (SIGKILL, as in a crash) under a read/write load and its replica is promoted. No query rejects
 * while the slots move (the cache fails open within `timeouts.store`), and once the cluster is
 * healthy every cached read equals the database. The store runs with `replicas: 1`: a version bump
 * counts as done only once a replica has it (WAIT), which is what makes a failover unable to lose
 * an acknowledged invalidation; the first test shows a bump the replicas could not confirm is
 * reported and retried rather than claimed.
 */
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore, type RedisStore } from '../../src/index.js'
import { cachedClient, type CachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { startRedisCluster, type RedisClusterBed } from '../helpers/redis-cluster.js'
import { waitFor } from '../helpers/redis-server.js'

const PRODUCTS = 12
const LOAD_WORKERS = 6

let db: TestDatabase
let bed: RedisClusterBed
let cluster: Cluster
let store: RedisStore
let prisma: CachedClient
let namespace: string
const errors: string[] = []

beforeAll(async () => {
  db = await createTestDatabase()
  const categories = await Promise.all([1, 2, 3].map((i) => db.prisma.category.create({ data: { name: `cat-${i}` } })))
  await db.prisma.product.createMany({
    data: Array.from({ length: PRODUCTS }, (_, i) => ({ sku: `F-${i}`, name: `item ${i}`, price: `${i}.50`, categoryId: categories[i % 3]!.id })),
  })
  bed = await startRedisCluster()
  cluster = new Cluster(bed.ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { connectTimeout: 500, maxRetriesPerRequest: 1 } })
  cluster.on('error', () => {})
  await new Promise((resolve) => cluster.once('ready', resolve))
  store = redisStore({ client: cluster, replicas: 1 })
  namespace = 't_' + randomBytes(6).toString('hex')
  prisma = cachedClient(db, 'cluster', { store, namespace, timeouts: { store: 300 } }).prisma
  prisma.$cache.on('error', (event) => errors.push(`${event.operation ?? ''}: ${event.error?.message ?? ''}`))
}, 180_000) // a loaded CI machine starts six redis-servers slowly
afterAll(async () => {
  cluster?.disconnect()
  await bed?.stop()
  await db?.drop()
})

const ids = async () => (await db.prisma.product.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((p) => p.id)
const readProduct = (client: typeof db.prisma | CachedClient, id: number, cache: boolean) =>
  (client as CachedClient).product.findUnique({ where: { id }, select: { id: true, name: true, price: true, categoryId: true }, ...(cache && { cache: true }) })
const readCategories = (client: typeof db.prisma | CachedClient, cache: boolean) =>
  (client as CachedClient).category.findMany({ orderBy: { id: 'asc' }, include: { products: { orderBy: { id: 'asc' }, select: { id: true, name: true } } }, ...(cache && { cache: true }) })

/** True when the server on `port` answers PING within `ms` (a sleeping server does not). */
function answersWithin(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    const done = (answered: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answered)
    }
    const timer = setTimeout(() => done(false), ms)
    socket.once('data', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Every cached read shape equals the database (read twice: the miss that fills, then the hit). */
async function expectCachedEqualsDatabase(productIds: number[]): Promise<void> {
  for (let round = 0; round < 2; round++) {
    for (const id of productIds) expect(JSON.stringify(await readProduct(prisma, id, true)), `product ${id}, round ${round}`).toBe(JSON.stringify(await readProduct(db.prisma, id, false)))
    expect(JSON.stringify(await readCategories(prisma, true)), `categories, round ${round}`).toBe(JSON.stringify(await readCategories(db.prisma, false)))
  }
}

describe('failover on a Redis Cluster', () => {
  it('a version bump is acknowledged only once a replica has it: a bump its replica cannot confirm is reported and retried, never claimed', async () => {
    const [id] = await ids()
    await expectCachedEqualsDatabase([id!])
    // Every replica sleeps: no WAIT can be satisfied while they do.
    const masters = await bed.masters()
    const replicas = bed.ports.filter((port) => !masters.includes(port))
    const live = (await Promise.all(replicas.map(async (port) => ((await bed.cli(port, 'ping').catch(() => '')) === 'PONG' ? port : undefined)))).filter((p) => p !== undefined)
    expect(live.length).toBeGreaterThan(0)
    const before = errors.length
    const sleeping = Promise.all(live.map((port) => bed.cli(port, 'debug', 'sleep', '3')))
    for (const port of live) await waitFor(async () => !(await answersWithin(port, 200)), `replica ${port} did not fall asleep`)
    await prisma.product.update({ where: { id: id! }, data: { name: 'unconfirmed bump' } })
    expect(errors.length, 'the unconfirmed bump was reported').toBeGreaterThan(before)
    // Until the retry lands, this process reads the model from the database: never the old entry.
    expect((await readProduct(prisma, id!, true))?.name).toBe('unconfirmed bump')
    await sleeping
    await waitFor(async () => (await readProduct(prisma, id!, true))?.name === 'unconfirmed bump', 'stale after the replica woke', 10_000)
    await expectCachedEqualsDatabase([id!])
  }, 60_000)

  it('a master killed under a read/write load: no query rejects, and afterwards every cached read equals the database', async () => {
    const productIds = await ids()
    await expectCachedEqualsDatabase(productIds) // warm: entries and versions on every master
    let running = true
    let queries = 0
    const rejected: string[] = []
    const load = Array.from({ length: LOAD_WORKERS }, async (_, worker) => {
      for (let n = 0; running; n++) {
        const id = productIds[(worker * 7 + n) % productIds.length]!
        const query = n % 5 === 0
          ? db.prisma.$transaction(async () => undefined).then(() => prisma.product.update({ where: { id }, data: { name: `w${worker}-${n}` } }))
          : n % 5 === 1 ? readCategories(prisma, true) : readProduct(prisma, id, true)
        await query.then(() => queries++, (error: Error) => rejected.push(error.message))
      }
    })
    await waitFor(() => queries > 50, 'the load did not start', 20_000)
    const victim = (await bed.masters())[0]!
    await bed.kill(victim)
    await bed.waitHealthy(30_000)
    await waitFor(async () => !(await bed.masters()).includes(victim), 'the killed master is still listed as a master', 30_000)
    const atHealthy = queries
    await waitFor(() => queries > atHealthy + 100, 'the load did not continue after the failover', 30_000)
    running = false
    await Promise.all(load)
    console.log(`[failover] master ${victim} killed: ${queries} queries, ${rejected.length} rejected, ${errors.length} cache error events (fail-open)`)
    expect(rejected).toEqual([])
    expect(errors.filter((e) => e.includes('CROSSSLOT'))).toEqual([])
    // Not asserted: hits. The promoted master has no replica until the old one returns, so with
    // `replicas: 1` this process's bumps on that shard keep failing (and are retried), and it reads
    // the affected models from the database meanwhile (see the README, "Redis Cluster").
    await expectCachedEqualsDatabase(productIds)
  }, 120_000)
})
