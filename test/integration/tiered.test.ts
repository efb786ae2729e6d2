// providers: postgres — child processes reach the database through the PostgreSQL counting adapter; the store is what is tested
/**
 * tieredStore across two processes: this test process (the writer) and a worker child (the reader),
 * each with its own L1, on a redis-server this file owns (so INFO commandstats counts only our
 * commands). The reader's bus connection is named, so the test can find and kill it; it reconnects
 * only after BUS_RETRY_MS, which leaves a window where the reader's bus is down.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore, tieredStore, type TieredStore } from '../../src/index.js'
import { cachedClient, type CachedClient } from '../helpers/cached-client.js'
import { startWorker, type WorkerHandle } from '../helpers/child/worker-handle.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { commandCounts, startRedisServer, waitFor, type RedisServer } from '../helpers/redis-server.js'

const TRIALS = 20
const BUS_NAME = 'pqc-bus-reader-' + randomBytes(4).toString('hex')
const BUS_RETRY_MS = 1500

interface ReadsReply { outcomes: { data: { id: number; name: string }[]; status: string }[] }

let db: TestDatabase
let server: RedisServer
let reader: WorkerHandle
let writer: CachedClient
let writerStore: TieredStore
let productId: number
const namespace = 't_' + randomBytes(6).toString('hex')

beforeAll(async () => {
  db = await createTestDatabase()
  productId = (await db.prisma.product.create({ data: { sku: 'T-1', name: 'start', price: '3.25' } })).id
  server = await startRedisServer()
  const channel = `${namespace}:bus`
  writerStore = tieredStore({ l2: redisStore({ client: await server.connect() }), bus: server.client({ enableOfflineQueue: true }), channel })
  writer = cachedClient(db, 'redis', { store: writerStore, namespace }).prisma
  reader = await startWorker({ DATABASE_URL: db.url, REDIS_URL: server.url, NAMESPACE: namespace, STORE: 'tiered', BUS_NAME, CHANNEL: channel, BUS_RETRY_MS: String(BUS_RETRY_MS) })
  await waitFor(async () => writerStore.bus.healthy && (await reader.request<{ healthy: boolean }>('bus')).healthy, 'buses did not come up')
})
afterAll(async () => {
  await reader?.kill()
  await writerStore?.close()
  await server?.stop()
  await db?.drop()
})

const readerReads = (n: number) => reader.request<ReadsReply>('reads', { n, prefix: 'T-' })
const nameInDatabase = async () => (await db.sql<{ name: string }>(`SELECT name FROM "Product" WHERE id = ${productId}`))[0]!.name
const rename = (name: string) => writer.product.update({ where: { id: productId }, data: { name } })
const writerRead = () => writer.product.findMany({ where: { sku: { startsWith: 'T-' } }, select: { id: true, sku: true, name: true, price: true }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()

/** Redis commands (other than the CONFIG/INFO of the measurement) while `fn` runs. */
async function redisCommandsDuring(fn: () => Promise<unknown>): Promise<Record<string, number>> {
  await server.cli('config', 'resetstat')
  await fn()
  const counts = await commandCounts(server)
  return Object.fromEntries(Object.entries(counts).filter(([name]) => !name.startsWith('config') && name !== 'info'))
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

describe('tiered store across processes', () => {
  it(`a write in one process makes the other's next read fresh once the bus message arrived (${TRIALS} trials)`, async () => {
    const lags: number[] = []
    for (let trial = 0; trial < TRIALS; trial++) {
      const name = `fresh-${trial}`
      await readerReads(2) // warm the reader's L1 with the current value
      const watched = reader.request<{ seenAt?: number }>('watch', { prefix: 'T-', name, timeoutMs: 5000 })
      await sleep(20) // the reader is now looping over L1 hits
      await rename(name)
      const resolvedAt = performance.timeOrigin + performance.now()
      const { seenAt } = await watched
      expect(seenAt, `trial ${trial}: the reader saw the write`).toBeDefined()
      lags.push(seenAt! - resolvedAt)
    }
    const sorted = [...lags].sort((a, b) => a - b)
    console.log(`[tiered] lag write-resolved → first fresh read in the other process over ${TRIALS} trials: p50 ${percentile(sorted, 50).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`)
    expect(sorted.at(-1)!).toBeLessThan(1000)
  })

  it('an L1 hit sends no command to Redis, while the same hits on redisStore send one MGET each', async () => {
    await writerRead()
    await writerRead()
    const tieredCommands = await redisCommandsDuring(async () => {
      const hits = await Promise.all(Array.from({ length: 50 }, () => writerRead()))
      expect(hits.map((h) => h.info.status)).toEqual(hits.map(() => 'hit'))
    })
    expect(tieredCommands).toEqual({})
    const plain = cachedClient(db, 'redis', { store: redisStore({ client: await server.connect() }), namespace }).prisma
    await plain.product.findMany({ where: { sku: { startsWith: 'T-' } }, cache: true })
    const redisCommands = await redisCommandsDuring(() => Promise.all(Array.from({ length: 50 }, () => plain.product.findMany({ where: { sku: { startsWith: 'T-' } }, cache: true }))))
    expect(redisCommands.mget).toBeGreaterThanOrEqual(50)
  })

  it('while its bus connection is down the other process never serves a stale L1 entry, and uses L1 again after it reconnects', async () => {
    await readerReads(2)
    expect(await redisCommandsDuring(() => readerReads(10)), 'L1 serves while the bus is up').toEqual({})
    const list = await server.cli('client', 'list')
    const busLine = list.split('\n').find((line) => line.includes(`name=${BUS_NAME}`))
    const busId = /\bid=(\d+)/.exec(busLine ?? '')?.[1]
    expect(busId, 'the reader bus connection is listed by its name').toBeDefined()
    await server.cli('client', 'kill', 'id', busId!)
    await waitFor(async () => !(await reader.request<{ healthy: boolean }>('bus')).healthy, 'the reader did not notice its bus went down')
    await rename('written-while-bus-down') // the eviction is published while nobody of the reader listens
    const whileDown = await readerReads(5)
    const expected = await nameInDatabase()
    for (const o of whileDown.outcomes) expect(o.data[0]!.name).toBe(expected)
    expect(await redisCommandsDuring(() => readerReads(1)), 'reads go to Redis while the bus is down').toHaveProperty('mget')
    await waitFor(async () => (await reader.request<{ healthy: boolean }>('bus')).healthy, 'the reader bus did not reconnect', BUS_RETRY_MS + 5000)
    await readerReads(1) // refills the emptied L1
    const commands = await redisCommandsDuring(async () => {
      const again = await readerReads(10)
      for (const o of again.outcomes) expect(o).toMatchObject({ status: 'hit', data: [{ name: expected }] })
    })
    expect(commands, 'L1 serves again after the bus reconnected').toEqual({})
  })
})

describe('the bus channel and its messages', () => {
  it('each change through a tiered store is published once (the Redis store announces, the tiered store does not again)', async () => {
    await writerRead()
    expect((await redisCommandsDuring(() => rename('published-once'))).publish, 'a write: its version bump').toBe(1)
    const k = `${namespace}:u:published-once`
    const changes: [string, () => Promise<unknown>][] = [
      ['set', () => writerStore.set(k, '1', 60_000)],
      ['setMany', () => writerStore.setMany([[k, '2'], [`${k}2`, '3']], 60_000)],
      ['incrBy', () => writerStore.incrBy(`${k}n`, 1, 60_000)],
      ['delete', () => writerStore.delete([k])],
      ['clear', () => writerStore.clear(`${namespace}:u:`)],
    ]
    for (const [name, change] of changes) expect((await redisCommandsDuring(change)).publish, name).toBe(1)
  })

  it('without a channel option, stores announce and listen on <namespace>:bus, subscribing only once the extension attached them', async () => {
    const ns = 't_' + randomBytes(6).toString('hex')
    const tiered = tieredStore({ l2: redisStore({ client: await server.connect() }) })
    const plain = redisStore({ client: await server.connect() })
    const explicit = redisStore({ client: await server.connect(), channel: 'my-channel' })
    try {
      expect([tiered.bus.channel, plain.channel]).toEqual([undefined, undefined])
      expect(await server.cli('pubsub', 'channels', `${ns}*`)).toBe('')
      for (const store of [tiered, plain, explicit]) cachedClient(db, 'redis', { store, namespace: ns })
      expect([tiered.bus.channel, tiered.l2.channel, plain.channel, explicit.channel]).toEqual([`${ns}:bus`, `${ns}:bus`, `${ns}:bus`, 'my-channel'])
      await waitFor(() => tiered.bus.healthy, 'the tiered bus did not subscribe')
      expect(await server.cli('pubsub', 'channels', `${ns}*`)).toBe(`${ns}:bus`)
      // A plain process's write reaches the tiered process's bus on the namespace channel.
      const seen = tiered.bus.sequence
      await plain.setMany([[`${ns}:v:x`, '1']], 60_000)
      await waitFor(() => tiered.bus.sequence > seen, 'the announcement did not arrive on <namespace>:bus')
    } finally {
      await tiered.close()
    }
  })
})

