// providers: postgres — exercises the cache store, which does not depend on the database
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../../src/index.js'
import { cachedClient, makeStore, CLUSTER_KINDS, testCluster, testRedis, uniqueNamespace, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { Prisma } from '../generated/prisma/client.js'

let db: TestDatabase
const CREATED = new Date('2024-03-04T05:06:07.089Z')

beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.user.create({ data: { email: 'a@example.com', name: 'A', createdAt: CREATED } })
  await db.prisma.product.create({ data: { sku: 'P-1', name: 'Pen', price: new Prisma.Decimal('9.99') } })
  await db.prisma.auditLog.create({ data: { id: 1n, action: 'boot' } })
})
afterAll(() => db?.drop())

type Info = { status: string; key?: string }
type Read = (p: CachedClient) => { withCacheInfo(): Promise<{ info: Info }> }

/** Runs `a` then `b` on one client; reports how `b` was answered and whether both used one key. */
async function pair(prisma: CachedClient, a: Read, b: Read) {
  const first = (await a(prisma).withCacheInfo()).info
  db.executions.reset()
  const second = (await b(prisma).withCacheInfo()).info
  return { status: second.status, executions: db.executions.total, sameKey: first.key === second.key }
}

describe.each(CLUSTER_KINDS)('keys through the extension on the %s store', (kind: StoreKind) => {
  const client = () => cachedClient(db, kind).prisma

  it('the same arguments in another key order share an entry', async () => {
    const r = await pair(client(),
      (p) => p.user.findMany({ where: { name: 'A', email: { contains: '@' } }, orderBy: { id: 'asc' }, take: 5, cache: true }),
      (p) => p.user.findMany({ take: 5, orderBy: { id: 'asc' }, where: { email: { contains: '@' }, name: 'A' }, cache: true }))
    expect(r).toEqual({ status: 'hit', executions: 0, sameKey: true })
  })

  it.each<[string, Read, Read]>([
    ['a Date and its ISO string', (p) => p.user.findMany({ where: { createdAt: CREATED }, cache: true }), (p) => p.user.findMany({ where: { createdAt: CREATED.toISOString() }, cache: true })],
    ['1n and 1', (p) => p.auditLog.findMany({ where: { id: 1n }, cache: true }), (p) => p.auditLog.findMany({ where: { id: 1 }, cache: true })],
    ['a Decimal and its string', (p) => p.product.findMany({ where: { price: new Prisma.Decimal('9.99') }, cache: true }), (p) => p.product.findMany({ where: { price: '9.99' }, cache: true })],
    ['two selections', (p) => p.user.findMany({ select: { id: true }, cache: true }), (p) => p.user.findMany({ select: { id: true, name: true }, cache: true })],
  ])('%s do not share an entry', async (_name, a, b) => {
    const r = await pair(client(), a, b)
    expect(r.status).toBe('miss')
    expect(r.executions).toBeGreaterThan(0)
    expect(r.sameKey).toBe(false)
  })

  it('the cache option is not part of the key', async () => {
    const prisma = client()
    const r = await pair(prisma, (p) => p.user.findMany({ cache: true }), (p) => p.user.findMany({ cache: { ttl: 30, swr: 5 } }))
    expect(r).toEqual({ status: 'hit', executions: 0, sameKey: true })
  })

  it('the scope is part of the key: two scope values make two entries', async () => {
    let tenant: string | undefined = 'a'
    const { prisma } = cachedClient(db, kind, { scope: () => tenant })
    const read = async () => {
      db.executions.reset()
      const { info } = await prisma.user.findMany({ cache: true }).withCacheInfo()
      return { status: info.status, key: info.key, executions: db.executions.total }
    }
    const a1 = await read()
    tenant = 'b'
    const b1 = await read()
    tenant = undefined
    const none = await read()
    tenant = 'a'
    const a2 = await read()
    expect([a1.status, b1.status, none.status, a2.status]).toEqual(['miss', 'miss', 'miss', 'hit'])
    expect(b1.executions).toBe(1)
    expect(a2.executions).toBe(0)
    expect(new Set([a1.key, b1.key, none.key]).size).toBe(3)
    expect(a2.key).toBe(a1.key)
  })

  it('two namespaces on one store do not share entries', async () => {
    const store = makeStore(kind)
    const one = cachedClient(db, kind, { store }).prisma
    const two = cachedClient(db, kind, { store }).prisma
    await one.user.findMany({ cache: true })
    expect((await one.user.findMany({ cache: true }).withCacheInfo()).info.status).toBe('hit')
    expect((await two.user.findMany({ cache: true }).withCacheInfo()).info.status).toBe('miss')
  })
})

describe.each(CLUSTER_KINDS)('clear() on the %s store', (kind: StoreKind) => {
  it('drops the namespace and leaves a namespace sharing its prefix alone', async () => {
    const store = makeStore(kind)
    const ns = uniqueNamespace()
    const mine = cachedClient(db, kind, { store, namespace: ns }).prisma
    const neighbour = cachedClient(db, kind, { store, namespace: `${ns}d` }).prisma
    await mine.user.findMany({ cache: true })
    await neighbour.user.findMany({ cache: true })
    await mine.$cache.clear()
    db.executions.reset()
    expect((await neighbour.user.findMany({ cache: true }).withCacheInfo()).info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
    expect((await mine.user.findMany({ cache: true }).withCacheInfo()).info.status).toBe('miss')
    expect(db.executions.total).toBe(1)
  })
})

describe('clear() on Redis', () => {
  it('deletes every key of the namespace and no key outside it', async () => {
    const redis = testRedis()
    const ns = uniqueNamespace()
    const store = redisStore({ client: redis })
    const mine = cachedClient(db, 'redis', { store, namespace: ns }).prisma
    const neighbour = cachedClient(db, 'redis', { store, namespace: `${ns}d` }).prisma
    const foreign = `other:${ns}`
    await redis.set(foreign, 'x', 'EX', 60)
    for (const prisma of [mine, neighbour]) {
      await prisma.user.findMany({ cache: true })
      await prisma.product.count({ cache: true })
    }
    const keysOf = async (pattern: string) => (await redis.keys(pattern)).sort()
    const neighbourKeys = await keysOf(`${ns}d:*`)
    expect(await keysOf(`${ns}:*`)).not.toEqual([])
    expect(neighbourKeys).not.toEqual([])
    await mine.$cache.clear()
    expect(await keysOf(`${ns}:*`)).toEqual([])
    expect(await keysOf(`${ns}d:*`)).toEqual(neighbourKeys)
    expect(await redis.get(foreign)).toBe('x')
    await redis.del(foreign, ...neighbourKeys)
  })
})

describe('clear() on a Redis Cluster', () => {
  it('deletes the namespace on every master (SCAN per node) and no key outside it', async () => {
    const cluster = testCluster()
    const ns = uniqueNamespace()
    const store = redisStore({ client: cluster })
    const mine = cachedClient(db, 'cluster', { store, namespace: ns }).prisma
    const neighbour = cachedClient(db, 'cluster', { store, namespace: `${ns}d` }).prisma
    for (const prisma of [mine, neighbour]) {
      await prisma.user.findMany({ cache: true })
      await prisma.product.count({ cache: true })
      for (let id = 1; id <= 8; id++) await prisma.user.findUnique({ where: { id }, cache: true })
    }
    const keysByMaster = async (pattern: string) => Promise.all(cluster.nodes('master').map(async (node) => (await node.keys(pattern)).sort()))
    const before = await keysByMaster(`${ns}:*`)
    expect(before.filter((keys) => keys.length > 0).length).toBeGreaterThan(1) // the namespace is spread over several masters
    const neighbourKeys = await keysByMaster(`${ns}d:*`)
    await mine.$cache.clear()
    expect((await keysByMaster(`${ns}:*`)).flat()).toEqual([])
    expect(await keysByMaster(`${ns}d:*`)).toEqual(neighbourKeys)
  })
})
