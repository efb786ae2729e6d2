// providers: postgres — exercises the cache store, which does not depend on the database
/**
 * Redis failing in the ways real servers fail, on redis-servers this file owns: killed and
 * restarted under load, a TCP server that never answers, OOM, READONLY (a replica), NOSCRIPT after
 * SCRIPT FLUSH, and garbage under the library's keys. Every read is compared with SQL, and no
 * promise may reject (nor go unhandled).
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheSerializationError, redisStore, type CacheEvent } from '../../src/index.js'
import { brokenClient, silentServer } from '../helpers/broken-redis.js'
import { cachedClient, type CachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { commandCounts, startRedisServer, waitFor, type RedisServer } from '../helpers/redis-server.js'

const STORE_TIMEOUT_MS = 100
/** Room for a loaded 2-core machine on top of deadline + database p99; still far below a hang. */
const MARGIN_MS = 250

let db: TestDatabase
let server: RedisServer
const servers: RedisServer[] = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.product.createMany({ data: [1, 2, 3, 4].map((i) => ({ sku: `F-${i}`, name: `Fan ${i}`, price: `${i}.25` })) })
  server = await startRedisServer()
  servers.push(server)
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await Promise.all(servers.map((s) => s.stop()))
  await db?.drop()
  expect(unhandled).toEqual([])
})

/** A cached client on `client` with the file's store deadline, recording its error events. */
function cachedOn(client: Redis, options: Parameters<typeof cachedClient>[2] = {}) {
  const { prisma, namespace } = cachedClient(db, 'redis', { store: redisStore({ client }), timeouts: { store: STORE_TIMEOUT_MS }, ...options })
  const errors: CacheEvent[] = []
  prisma.$cache.on('error', (event) => errors.push(event))
  return { prisma, namespace, errors }
}

const select = { id: true, sku: true, name: true } as const
const list = (prisma: CachedClient, sku = 'F-') => prisma.product.findMany({ where: { sku: { startsWith: sku } }, select, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
const rawList = () => db.prisma.product.findMany({ where: { sku: { startsWith: 'F-' } }, select, orderBy: { id: 'asc' } })
const truth = () => db.sql<{ id: number; sku: string; name: string }>(`SELECT id, sku, name FROM "Product" WHERE sku LIKE 'F-%' ORDER BY id`)
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * 0.99) - 1)]!

async function timed<T>(fn: () => PromiseLike<T>): Promise<[T, number]> {
  const start = performance.now()
  const value = await fn()
  return [value, performance.now() - start]
}

/** Runs batches of 10 concurrent cached reads and 10 raw reads, a write every 4th batch, until `stop()` is true. */
async function load(prisma: CachedClient, stop: () => boolean, inOutage: () => boolean) {
  const cachedMs: number[] = []
  const rawMs: number[] = []
  const statuses = new Set<string>()
  for (let batch = 0; !stop(); batch++) {
    const outage = inOutage()
    const reads = await Promise.all(Array.from({ length: 10 }, () => timed(() => list(prisma))))
    const raws = await Promise.all(Array.from({ length: 10 }, () => timed(rawList)))
    const expected = await truth()
    for (const [{ data, info }, ms] of reads) {
      expect(data).toEqual(expected)
      statuses.add(info.status)
      if (outage && inOutage()) cachedMs.push(ms)
    }
    rawMs.push(...raws.map(([, ms]) => ms))
    if (batch % 4 === 3) await prisma.product.update({ where: { sku: 'F-1' }, data: { name: `Fan written ${batch}` } })
  }
  return { cachedMs, rawMs, statuses }
}

describe('outages', () => {
  it('reads and writes stay correct while Redis is killed and restarted under load; outage p99 stays within the store deadline plus the database p99', async () => {
    const { prisma, errors } = cachedOn(await server.connect())
    let phase: 'up' | 'down' | 'back' = 'up'
    const started = performance.now()
    const outage = (async () => {
      await sleep(700)
      await server.kill()
      phase = 'down'
      await sleep(1000)
      await server.start()
      phase = 'back'
    })()
    const result = await load(prisma, () => phase === 'back' && performance.now() - started > 3000, () => phase === 'down')
    await outage
    const [cachedP99, rawP99] = [p99(result.cachedMs), p99(result.rawMs)]
    console.log(`[faults] Redis killed under load: cached p99 during outage ${cachedP99.toFixed(1)} ms over ${result.cachedMs.length} reads; raw Prisma p99 ${rawP99.toFixed(1)} ms; statuses ${[...result.statuses].join(',')}`)
    expect(result.cachedMs.length).toBeGreaterThan(20)
    expect(cachedP99).toBeLessThan(STORE_TIMEOUT_MS + rawP99 + MARGIN_MS)
    expect(errors.length).toBeGreaterThan(0)
    await waitFor(async () => (await list(prisma)).info.status === 'hit', 'the cache was not used again after Redis came back')
  })

  it('a server that accepts connections and never answers costs at most the store deadline per read (p99 vs raw p99)', async () => {
    const silent = await silentServer()
    const client = brokenClient(silent.port, true)
    try {
      const { prisma, errors } = cachedOn(client, { breaker: { failures: 1_000_000, cooldown: 0 } }) // every read meets the deadline
      const cachedMs: number[] = []
      const rawMs: number[] = []
      for (let batch = 0; batch < 8; batch++) {
        const reads = await Promise.all(Array.from({ length: 10 }, () => timed(() => list(prisma))))
        const raws = await Promise.all(Array.from({ length: 10 }, () => timed(rawList)))
        const expected = await truth()
        for (const [{ data, info }, ms] of reads) {
          expect(data).toEqual(expected)
          expect(info.status).toBe('error')
          cachedMs.push(ms)
        }
        rawMs.push(...raws.map(([, ms]) => ms))
      }
      const [written, writeMs] = await timed(() => prisma.product.update({ where: { sku: 'F-2' }, data: { name: 'Fan silent' } }))
      expect(written.name).toBe('Fan silent')
      console.log(`[faults] silent server: cached p99 ${p99(cachedMs).toFixed(1)} ms (deadline ${STORE_TIMEOUT_MS} ms), raw p99 ${p99(rawMs).toFixed(1)} ms; write ${writeMs.toFixed(1)} ms`)
      expect(p99(cachedMs)).toBeLessThan(STORE_TIMEOUT_MS + p99(rawMs) + MARGIN_MS)
      expect(writeMs).toBeLessThan(STORE_TIMEOUT_MS + MARGIN_MS + 500)
      expect(errors.length).toBeGreaterThan(0)
    } finally {
      client.disconnect()
      await silent.close()
    }
  })
})

describe('Redis answering errors', () => {
  it('OOM (maxmemory 1, noeviction): stored entries still hit, new entries are not stored, writes return and later reads are fresh', async () => {
    const full = await startRedisServer()
    servers.push(full)
    const { prisma, errors } = cachedOn(await full.connect())
    await list(prisma)
    await full.cli('config', 'set', 'maxmemory-policy', 'noeviction')
    await full.cli('config', 'set', 'maxmemory', '1')
    expect((await list(prisma)).info.status, 'reads work').toBe('hit')
    const other = await list(prisma, 'F-1')
    expect(other.data).toEqual((await truth()).filter((r) => r.sku.startsWith('F-1')))
    expect((await list(prisma, 'F-1')).info.status, 'the entry could not be stored').not.toBe('hit')
    expect(errors.some((e) => /OOM/.test(String((e.error?.cause as Error | undefined)?.message ?? e.error?.message)))).toBe(true)
    await prisma.product.update({ where: { sku: 'F-3' }, data: { name: 'Fan while full' } })
    const after = await list(prisma)
    expect(after.data).toEqual(await truth())
    expect(after.info.status).toBe('bypass')
    await full.cli('config', 'set', 'maxmemory', '0')
    await waitFor(async () => (await list(prisma)).info.status === 'hit', 'the cache did not recover after memory was freed')
    expect((await list(prisma)).data).toEqual(await truth())
  })

  it('READONLY (a replica): entries replicated from the primary hit, misses and writes still return correct data', async () => {
    const primary = await startRedisServer(['--repl-diskless-sync-delay', '0'])
    const replica = await startRedisServer(['--replicaof', '127.0.0.1', String(primary.port)])
    servers.push(primary, replica)
    await waitFor(async () => (await replica.cli('info', 'replication')).includes('master_link_status:up'), 'replication did not start', 10_000)
    const onPrimary = cachedOn(await primary.connect())
    await list(onPrimary.prisma)
    const onReplica = cachedOn(await replica.connect(), { namespace: onPrimary.namespace })
    await waitFor(async () => (await list(onReplica.prisma)).info.status === 'hit', 'the replicated entry was not served')
    const miss = await list(onReplica.prisma, 'F-4')
    expect(miss.data).toEqual((await truth()).filter((r) => r.sku.startsWith('F-4')))
    expect(onReplica.errors.some((e) => /READONLY/.test(String((e.error?.cause as Error | undefined)?.message)))).toBe(true)
    const written = await onReplica.prisma.product.update({ where: { sku: 'F-4' }, data: { name: 'Fan on replica' } })
    expect(written.name).toBe('Fan on replica')
    const after = await list(onReplica.prisma)
    expect(after.info.status).toBe('bypass')
    expect(after.data).toEqual(await truth())
  })

  it('NOSCRIPT after SCRIPT FLUSH: the lock release falls back to EVAL and still releases the lock', async () => {
    const { prisma, namespace, errors } = cachedOn(await server.connect(), { lock: { ttl: 60_000, wait: 3000 } })
    await list(prisma, 'F-1') // loads the release script (EVALSHA works)
    await server.cli('script', 'flush')
    await server.cli('config', 'resetstat')
    const cold = await list(prisma, 'F-2')
    expect(cold.info.status).toBe('miss')
    await prisma.$cache.settle() // the entry write and the unlock land after the read returns
    const stats = await commandCounts(server)
    expect(stats.eval, 'EVALSHA failed with NOSCRIPT and EVAL ran the release').toBeGreaterThanOrEqual(1)
    expect(await server.cli('--scan', '--pattern', `${namespace}:l:*`), 'no lock left behind').toBe('')
    expect(errors).toEqual([])
  })

  it('garbage under an entry key or a version key is a miss with correct data, and is overwritten', async () => {
    const client = await server.connect()
    const { prisma, namespace, errors } = cachedOn(client)
    const { info } = await list(prisma)
    for (const target of ['entry', 'versions'] as const) {
      const keys = target === 'entry' ? [info.key!] : (await server.cli('--scan', '--pattern', `${namespace}:v:*`)).split('\n')
      for (const key of keys) await client.set(key, Buffer.from([0, 0xff, 0xfe, 0x7b, 0x22]))
      db.executions.reset()
      const read = await list(prisma)
      expect(read.info.status, `garbage ${target}`).toBe('miss')
      expect(read.data).toEqual(await truth())
      expect(db.executions.total).toBe(1)
      expect(await list(prisma).then((r) => r.info.status), `the ${target} garbage was overwritten`).toBe('hit')
    }
    expect(errors.some((e) => e.error instanceof CacheSerializationError), 'the corrupt entry was reported').toBe(true)
  })
})
