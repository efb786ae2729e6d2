// providers: postgres — exercises the cache store, which does not depend on the database
/**
 * Stale-while-revalidate in real time with short windows: ttl 0.25 s, swr 1 s. Database executions
 * are counted at the driver adapter; "one background refresh" means one SELECT reached PostgreSQL.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cachedClient, STORE_KINDS, uniqueNamespace, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

const TTL_S = 0.25
const SWR_S = 1
const CACHE = { ttl: TTL_S, swr: SWR_S }
/** Inside the stale window with a wide margin on both sides. */
const INTO_WINDOW_MS = TTL_S * 1000 + 200
const PAST_WINDOW_MS = (TTL_S + SWR_S) * 1000 + 250
const CONCURRENT = 20

let db: TestDatabase
let productId: number
let version = 0

beforeAll(async () => {
  db = await createTestDatabase()
  productId = (await db.prisma.product.create({ data: { sku: 'SWR-1', name: 'v0', price: '5.25' } })).id
})
afterAll(() => db?.drop())
beforeEach(async () => {
  await renameBehindTheCache(`v${++version}`)
})

const read = (prisma: CachedClient) => prisma.product.findUnique({ where: { id: productId }, select: { id: true, name: true }, cache: CACHE }).withCacheInfo()
const nameInDatabase = async () => (await db.sql<{ name: string }>(`SELECT name FROM "Product" WHERE id = ${productId}`))[0]!.name

/** Changes the row without telling the cache (the raw client has no cacheExtension). */
async function renameBehindTheCache(name: string): Promise<void> {
  await db.prisma.product.update({ where: { id: productId }, data: { name } })
}

/** Resolves at the next `set` event of `prisma` (a refresh stored its value). */
function nextSet(prisma: CachedClient): Promise<void> {
  return new Promise((resolve) => {
    const listener = () => {
      prisma.$cache.off('set', listener)
      resolve()
    }
    prisma.$cache.on('set', listener)
  })
}

describe.each(STORE_KINDS)('stale-while-revalidate on the %s store', (kind: StoreKind) => {
  it(`${CONCURRENT} concurrent reads after ttl are stale and run exactly one background refresh`, async () => {
    const { prisma } = cachedClient(db, kind)
    const first = await read(prisma)
    expect(first.info.status).toBe('miss')
    await renameBehindTheCache('refreshed')
    await sleep(INTO_WINDOW_MS)
    db.executions.reset()
    const refreshed = nextSet(prisma)
    const stale = await Promise.all(Array.from({ length: CONCURRENT }, () => read(prisma)))
    expect(stale.map((r) => r.info.status)).toEqual(stale.map(() => 'stale'))
    for (const r of stale) expect(r.data).toEqual(first.data) // the stale value is served at once
    await refreshed
    await sleep(100) // room for any second refresh to show up
    console.log(`[swr:${kind}] ${CONCURRENT} stale reads → ${db.executions.total} background refresh execution(s)`)
    expect(db.executions.total).toBe(1)
    const next = await read(prisma)
    expect(next.info.status).toBe('hit')
    expect(next.data).toEqual({ id: productId, name: await nameInDatabase() })
    expect(next.data?.name).toBe('refreshed')
    expect(db.executions.total).toBe(1)
  })

  it('a read after the stale window is a miss', async () => {
    const { prisma } = cachedClient(db, kind)
    await read(prisma)
    await renameBehindTheCache('after-window')
    await sleep(PAST_WINDOW_MS)
    db.executions.reset()
    const late = await read(prisma)
    expect(late.info.status).toBe('miss')
    expect(late.data?.name).toBe(await nameInDatabase())
    expect(db.executions.total).toBe(1)
  })

  it('an invalidation inside the stale window makes the next read a fresh miss, never the stale value', async () => {
    const { prisma } = cachedClient(db, kind)
    const before = await read(prisma)
    await sleep(INTO_WINDOW_MS)
    await prisma.product.update({ where: { id: productId }, data: { name: `written-${kind}` } })
    const next = await read(prisma)
    expect(next.info.status).toBe('miss')
    expect(next.data).not.toEqual(before.data)
    expect(next.data).toEqual({ id: productId, name: await nameInDatabase() })
  })
})

describe('stale-while-revalidate across cache instances sharing Redis', () => {
  it('stale reads split over two instances refresh once in total (the refresh takes the stampede lock)', async () => {
    const namespace = uniqueNamespace()
    const a = cachedClient(db, 'redis', { namespace }).prisma
    const b = cachedClient(db, 'redis', { namespace }).prisma
    await read(a)
    await renameBehindTheCache('shared-refresh')
    await sleep(INTO_WINDOW_MS)
    db.executions.reset()
    const refreshed = Promise.race([nextSet(a), nextSet(b)])
    const stale = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => read(i % 2 ? a : b)))
    expect(new Set(stale.map((r) => r.info.status))).toEqual(new Set(['stale']))
    await refreshed
    await sleep(150)
    console.log(`[swr:two instances] ${CONCURRENT} stale reads → ${db.executions.total} refresh execution(s)`)
    expect(db.executions.total).toBe(1)
    for (const client of [a, b]) {
      const next = await read(client)
      expect(next.info.status).toBe('hit')
      expect(next.data?.name).toBe('shared-refresh')
    }
  })
})
