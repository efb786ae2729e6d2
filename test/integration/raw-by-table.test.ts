import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cachedClient, STORE_KINDS, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.tag.create({ data: { name: 'raw-by-table' } })
  await db.prisma.user.create({ data: { email: 'raw@by.table', name: 'Raw' } })
})
afterAll(() => db?.drop())

describe.each(STORE_KINDS)("raw: 'by-table' on the %s store", (kind: StoreKind) => {
  async function setup() {
    const { prisma } = cachedClient(db, kind, { raw: 'by-table' })
    const tags = () => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const users = () => prisma.user.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    await tags()
    await users()
    return { prisma, tags, users }
  }

  it('a raw UPDATE of one table makes its model fresh and leaves other models cached', async () => {
    const { prisma, tags, users } = await setup()
    const name = `renamed-${kind}-${Date.now()}`
    await prisma.$executeRaw`UPDATE "Tag" SET name = ${name}`
    const fresh = await tags()
    expect(fresh.info.status).toBe('miss')
    expect(fresh.data.map((t) => t.name)).toEqual((await db.sql<{ name: string }>('SELECT name FROM "Tag" ORDER BY id')).map((r) => r.name))
    expect((await users()).info.status).toBe('hit')
  })

  it('a statement it does not understand invalidates every model', async () => {
    const { prisma, tags, users } = await setup()
    await prisma.$executeRawUnsafe('WITH t AS (SELECT 1) UPDATE "Tag" SET name = name')
    expect((await tags()).info.status).toBe('miss')
    expect((await users()).info.status).toBe('miss')
  })

  it('a raw DELETE reaches what the foreign keys cascade to', async () => {
    const { prisma } = await setup()
    const user = await db.prisma.user.create({ data: { email: `gone-${kind}@by.table`, name: 'Gone', orders: { create: { total: '1.00' } } } })
    const orders = () => prisma.order.findMany({ where: { userId: user.id }, cache: true }).withCacheInfo()
    expect((await orders()).data).toHaveLength(1)
    await prisma.$executeRaw`DELETE FROM "User" WHERE id = ${user.id}`
    const after = await orders()
    expect(after.info.status).toBe('miss')
    expect(after.data).toEqual([])
  })

  it('a $queryRaw that writes (UPDATE ... RETURNING) invalidates like $executeRaw; a $queryRaw SELECT invalidates nothing', async () => {
    const { prisma, tags, users } = await setup()
    await prisma.$queryRaw`SELECT count(*) FROM "Tag"`
    await prisma.$queryRawUnsafe('/* report */ SELECT id FROM "User"')
    expect((await tags()).info.status).toBe('hit')
    expect((await users()).info.status).toBe('hit')
    const name = `returned-${kind}-${Date.now()}`
    const returned = await prisma.$queryRaw<{ name: string }[]>`UPDATE "Tag" SET name = ${name} RETURNING name`
    expect(returned[0]?.name).toBe(name)
    const fresh = await tags()
    expect(fresh.info.status).toBe('miss')
    expect(fresh.data[0]?.name).toBe(name)
    expect((await users()).info.status).toBe('hit')
  })
})
