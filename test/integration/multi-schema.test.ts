// providers: postgres — multiSchema (`@@schema`) is a PostgreSQL feature here
/**
 * PostgreSQL `multiSchema`: models in two database schemas (prisma/multi-schema/schema.prisma),
 * a cascade and an implicit many-to-many across them, and one table name (`events`) in both.
 * Reads are cached and writes invalidate across schemas; `raw: 'by-table'` tells the two `events`
 * tables apart by their schema qualifier and invalidates both when the name is unqualified.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheExtension, type CacheInfo } from '../../src/index.js'
import { PrismaClient } from '../generated/multi-schema/client.js'
import { makeStore, STORE_KINDS, uniqueNamespace, type StoreKind } from '../helpers/cached-client.js'
import { createDatabaseFor, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase<PrismaClient>
beforeAll(async () => {
  db = await createDatabaseFor('multi-schema', PrismaClient)
  // Unqualified names resolve through shop, then auth (a setting the cache cannot see); set before Prisma connects.
  await db.sql(`ALTER DATABASE "${new URL(db.url).pathname.slice(1)}" SET search_path TO shop, auth`)
})
afterAll(() => db?.drop())

const cachedOn = (kind: StoreKind, raw?: 'by-table') =>
  db.prisma.$extends(cacheExtension({ store: makeStore(kind), namespace: uniqueNamespace(), timeouts: { store: 2000 }, ...(raw && { raw }) }))

let seq = 0

describe.each(STORE_KINDS)('multiSchema on the %s store', (kind: StoreKind) => {
  type Answer = Promise<{ data: unknown; info: CacheInfo }>

  async function world() {
    const n = ++seq
    const label = await db.prisma.label.create({ data: { name: `label-${kind}-${n}` } })
    const account = await db.prisma.account.create({
      data: { email: `a-${kind}-${n}@example.com`, labels: { connect: { id: label.id } }, orders: { create: { total: 10, lines: { create: [{ sku: 'a' }, { sku: 'b' }] } } } },
      include: { orders: true },
    })
    return { account: account.id, order: account.orders[0]!.id, label: label.id }
  }

  async function expectMiss(read: () => Answer, label: string) {
    db.executions.reset()
    const after = await read()
    expect(after.info.status, `${label} after the write`).toBe('miss')
    expect(db.executions.reads).toBeGreaterThan(0)
    return after.data
  }

  it('a cached read of a shop.* model is a hit, and a delete in auth.* cascades to it', async () => {
    const prisma = cachedOn(kind)
    const w = await world()
    const lines = () => prisma.line.findMany({ where: { orderId: w.order }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const labelWithAccounts = () => prisma.label.findUnique({ where: { id: w.label }, include: { accounts: true }, cache: true }).withCacheInfo()
    const events = () => prisma.shopEvent.findMany({ cache: true }).withCacheInfo()
    for (const read of [lines, labelWithAccounts, events]) await read()
    db.executions.reset()
    for (const read of [lines, labelWithAccounts, events]) expect((await read()).info.status).toBe('hit')
    expect(db.executions.total).toBe(0)

    await prisma.account.delete({ where: { id: w.account } })
    expect(await expectMiss(lines, 'lines (auth.Account → shop.orders → shop.Line)')).toEqual([])
    expect(((await expectMiss(labelWithAccounts, 'label include accounts (link table in auth)')) as { accounts: unknown[] }).accounts).toEqual([])
    expect((await events()).info.status, 'an unrelated shop.* model').toBe('hit')
  })

  it("raw: 'by-table' tells auth.events from shop.events by the qualifier, and invalidates both without one", async () => {
    const prisma = cachedOn(kind, 'by-table')
    const auth = () => prisma.authEvent.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const shop = () => prisma.shopEvent.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const prime = async () => {
      for (const read of [auth, shop]) await read()
      for (const read of [auth, shop]) expect((await read()).info.status).toBe('hit')
    }

    await prime()
    await prisma.$executeRaw`INSERT INTO auth.events (kind) VALUES (${`login-${kind}`})`
    expect(await expectMiss(auth, 'auth.events')).toEqual(await db.sql('SELECT id, kind FROM auth.events ORDER BY id'))
    expect((await shop()).info.status, 'shop.events').toBe('hit')

    await prime()
    await prisma.$executeRaw`INSERT INTO "shop"."events" (kind) VALUES (${`sale-${kind}`})`
    expect(await expectMiss(shop, 'shop.events')).toEqual(await db.sql('SELECT id, kind FROM shop.events ORDER BY id'))
    expect((await auth()).info.status, 'auth.events').toBe('hit')

    await prime()
    await prisma.$executeRaw`UPDATE events SET kind = kind` // shop.events by the search path, which the cache cannot see: both are invalidated
    await expectMiss(auth, 'auth.events (unqualified write)')
    await expectMiss(shop, 'shop.events (unqualified write)')
  })
})
