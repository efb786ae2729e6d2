// providers: postgres — exercises the cache store, which does not depend on the database
import { setImmediate as nextTurn } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cachedClient, CLUSTER_KINDS, uniqueNamespace, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { holdSelects } from '../helpers/hold.js'
import { waitFor } from '../helpers/redis-server.js'
import { Prisma } from '../generated/prisma/client.js'

const CALLERS = 200
let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
  const category = await db.prisma.category.create({ data: { name: 'Garden' } })
  for (let i = 1; i <= 5; i++) {
    await db.prisma.product.create({
      data: { sku: `G-${i}`, name: `Rake ${i}`, price: new Prisma.Decimal(`${i}.25`), stock: 2n ** 55n + BigInt(i), releasedAt: new Date(Date.UTC(2024, 0, i, 1, 2, 3, 456)), categoryId: category.id },
    })
  }
})
afterEach(() => db.gate.open())
afterAll(() => db?.drop())

describe.each(CLUSTER_KINDS)('stampede on the %s store', (kind: StoreKind) => {
  it(`${CALLERS} concurrent identical cold reads run the query once`, async () => {
    const { prisma } = cachedClient(db, kind)
    const read = () => prisma.product.findMany({ where: { name: { startsWith: 'Rake' } }, include: { category: true }, orderBy: { id: 'asc' }, cache: true })
    db.executions.reset()
    const expected = await db.prisma.product.findMany({ where: { name: { startsWith: 'Rake' } }, include: { category: true }, orderBy: { id: 'asc' } })
    const perQuery = db.executions.total
    db.executions.reset()
    // Hold the first SELECT until every caller has had many turns to reach the cache.
    const held = holdSelects(db, '"Product"')
    const pending = Array.from({ length: CALLERS }, () => read().then((rows) => rows)) // then() starts a lazy Prisma promise
    await held.arrived
    for (let i = 0; i < 20; i++) await nextTurn()
    held.release()
    const results = await Promise.all(pending)
    expect(db.executions.total).toBe(perQuery)
    expect(new Set(results).size).toBe(CALLERS)
    for (const result of results) expect(result).toStrictEqual(expected)
  })

  it('each concurrent caller gets its own copy: mutating one result changes no other', async () => {
    const { prisma } = cachedClient(db, kind)
    const read = () => prisma.product.findMany({ where: { sku: { startsWith: 'G-' } }, orderBy: { id: 'asc' }, cache: true })
    const expected = await db.prisma.product.findMany({ where: { sku: { startsWith: 'G-' } }, orderBy: { id: 'asc' } })
    db.executions.reset()
    const results = await Promise.all(Array.from({ length: CALLERS }, read))
    expect(db.executions.total).toBe(1)
    const [first, ...others] = results
    first![0]!.name = 'mutated'
    first![0]!.releasedAt!.setTime(0)
    first!.pop()
    for (const other of others) expect(other).toStrictEqual(expected)
    expect(await read()).toStrictEqual(expected)
  })
})

describe('stampede across instances sharing a Redis namespace', () => {
  it('with ttl: 0 and swr, the waiters take the entry the lock holder stored (stale at once): one database execution', async () => {
    const namespace = uniqueNamespace()
    const instances = Array.from({ length: 4 }, () => cachedClient(db, 'redis', { namespace }).prisma)
    const cache = { ttl: 0, swr: 60 }
    const read = (prisma: (typeof instances)[number]) => prisma.product.findMany({ where: { sku: { startsWith: 'G-' } }, orderBy: { id: 'asc' }, cache }).withCacheInfo()
    const expected = await db.prisma.product.findMany({ where: { sku: { startsWith: 'G-' } }, orderBy: { id: 'asc' } })
    db.executions.reset()
    const held = holdSelects(db, '"Product"')
    const [first, ...others] = instances
    const holder = read(first!)
    await held.arrived // the first instance holds the lock and its query is running
    const waiters = others.map((prisma) => read(prisma))
    await waitFor(() => others.every((prisma) => prisma.$cache.stats().lockWaits === 1), 'the other instances did not wait on the lock')
    held.release()
    const results = await Promise.all([holder, ...waiters])
    expect(db.executions.reads).toBe(1)
    for (const { data } of results) expect(data).toStrictEqual(expected)
    expect(results.map((r) => r.info.status)).toEqual(['miss', 'miss', 'miss', 'miss'])
  })
})
