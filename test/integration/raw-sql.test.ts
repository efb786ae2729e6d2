/**
 * Raw SQL (guarantee 12): `$executeRaw`/`$executeRawUnsafe` invalidate every model by default
 * (`raw: 'invalidate-all'`: the cache cannot know what the statement changed), nothing with
 * `raw: 'ignore'` (entries stay hits even though they are stale: that is what the option means);
 * `$queryRaw`/`$queryRawUnsafe` are never cached; a raw write inside a transaction invalidates once
 * the transaction commits, and not at all when it rolls back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CacheInfo } from '../../src/index.js'
import { cachedClient, STORE_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { capabilities, sql, unsafeSql } from '../helpers/provider.js'

let db: TestDatabase
let userId: number
let userEmail: string
let tagId: number
let productId: number

beforeAll(async () => {
  db = await createTestDatabase()
  const p = db.prisma
  const user = await p.user.create({ data: { email: 'raw@example.com', name: 'Raw', profile: { create: { bio: 'raw' } } } })
  userId = user.id
  userEmail = user.email
  const category = await p.category.create({ data: { name: 'raw-category' } })
  const product = await p.product.create({ data: { sku: 'RAW-1', name: 'Raw product', price: '3.50', categoryId: category.id } })
  productId = product.id
  await p.order.create({ data: { userId, total: '7.00', items: { create: { productId, quantity: 2 } } } })
  const tag = await p.tag.create({ data: { name: 'raw-tag' } })
  tagId = tag.id
  await p.post.create({ data: { title: 'raw post', authorId: userId, tags: { connect: { id: tagId } } } })
  await p.auditLog.create({ data: { action: 'raw' } })
})
afterEach(() => db.gate.open())
afterAll(() => db?.drop())

let seq = 0

type Answer = Promise<{ data: unknown; info: CacheInfo }>

/** One cached read of every model (and of the many-to-many link), row-precise ones included. */
function everyModel(p: CachedClient): [string, () => Answer][] {
  return [
    ['user.findMany', () => p.user.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()],
    ['user.findUnique by id', () => p.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()],
    ['user.findUnique by email', () => p.user.findUnique({ where: { email: userEmail }, cache: true }).withCacheInfo()],
    ['profile.findFirst', () => p.profile.findFirst({ cache: true }).withCacheInfo()],
    ['category.count', () => p.category.count({ cache: true }).withCacheInfo()],
    ['product.findUnique', () => p.product.findUnique({ where: { id: productId }, cache: true }).withCacheInfo()],
    ['order.aggregate', () => p.order.aggregate({ _sum: { total: true }, cache: true }).withCacheInfo()],
    ['orderItem.groupBy', () => p.orderItem.groupBy({ by: ['productId'], _sum: { quantity: true }, cache: true }).withCacheInfo()],
    ['post.findMany include tags', () => p.post.findMany({ include: { tags: true }, cache: true }).withCacheInfo()],
    ['tag.findUnique', () => p.tag.findUnique({ where: { id: tagId }, cache: true }).withCacheInfo()],
    ['auditLog.findMany', () => p.auditLog.findMany({ cache: true }).withCacheInfo()],
  ]
}

async function primeAll(reads: [string, () => Answer][]): Promise<void> {
  for (const [name, read] of reads) {
    await read()
    expect((await read()).info.status, `${name} is cached`).toBe('hit')
  }
}

const tagName = async () => (await db.sql<{ name: string }>('SELECT name FROM "Tag" WHERE id = $1', [tagId]))[0]!.name

describe.each(STORE_KINDS)("raw: 'invalidate-all' (the default) on the %s store", (kind: StoreKind) => {
  let prisma: CachedClient
  beforeAll(() => {
    prisma = cachedClient(db, kind).prisma
  })

  it.each([
    ['$executeRaw', (p: CachedClient, name: string) => p.$executeRaw(sql`UPDATE "Tag" SET name = ${name} WHERE id = ${tagId}`)],
    ['$executeRawUnsafe', (p: CachedClient, name: string) => p.$executeRawUnsafe(unsafeSql('UPDATE "Tag" SET name = $1 WHERE id = $2'), name, tagId)],
  ] as const)('%s makes every cached read of every model a miss, and the changed row fresh', async (_name, execute) => {
    const reads = everyModel(prisma)
    await primeAll(reads)
    const name = `raw-${kind}-${++seq}`
    expect(await execute(prisma, name)).toBe(1)
    for (const [label, read] of reads) {
      db.executions.reset()
      const after = await read()
      expect(after.info.status, `${label} after raw SQL`).toBe('miss')
      expect(db.executions.reads, `${label} queried PostgreSQL`).toBeGreaterThan(0)
    }
    const tag = await prisma.tag.findUnique({ where: { id: tagId }, cache: true })
    expect(tag?.name).toBe(await tagName())
    expect(tag?.name).toBe(name)
  })

  it('$queryRaw and $queryRawUnsafe are never cached and invalidate nothing', async () => {
    const reads = everyModel(prisma)
    await primeAll(reads)
    db.executions.reset()
    const first = await prisma.$queryRaw<{ name: string }[]>(sql`SELECT name FROM "Tag" WHERE id = ${tagId}`)
    const second = await prisma.$queryRaw<{ name: string }[]>(sql`SELECT name FROM "Tag" WHERE id = ${tagId}`)
    expect(db.executions.total).toBe(2)
    expect(second).toEqual(first)
    await db.prisma.tag.update({ where: { id: tagId }, data: { name: `behind-${++seq}` } })
    db.executions.reset()
    const third = await prisma.$queryRawUnsafe<{ name: string }[]>(unsafeSql('SELECT name FROM "Tag" WHERE id = $1'), tagId)
    const fourth = await prisma.$queryRawUnsafe<{ name: string }[]>(unsafeSql('SELECT name FROM "Tag" WHERE id = $1'), tagId)
    expect(db.executions.total).toBe(2)
    expect(third[0]!.name).toBe(await tagName()) // a change made behind the cache is seen at once
    expect(fourth).toEqual(third)
    db.executions.reset()
    for (const [label, read] of reads) expect((await read()).info.status, `${label} after $queryRaw`).toBe('hit')
    expect(db.executions.total).toBe(0)
  })

  it('$executeRaw inside an interactive transaction invalidates once the transaction commits', async () => {
    const reads = everyModel(prisma)
    await primeAll(reads)
    const before = await tagName()
    const name = `raw-itx-${++seq}`
    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw(sql`UPDATE "Tag" SET name = ${name} WHERE id = ${tagId}`)
      // Outside the transaction the old name is still the committed one (SQLite's one connection shows the new one), and may be cached again.
      await prisma.$cache.invalidate({ models: ['Tag'] })
      const outside = await prisma.tag.findUnique({ where: { id: tagId }, cache: true })
      expect(outside?.name).toBe(capabilities.isolatedTransactions ? before : name)
    })
    for (const [label, read] of reads) expect((await read()).info.status, `${label} after the commit`).toBe('miss')
    const after = await prisma.tag.findUnique({ where: { id: tagId }, cache: true }).withCacheInfo()
    expect(after.info.status).toBe('hit') // refilled by the loop above, after the commit
    expect(after.data?.name).toBe(name)
    expect(after.data?.name).toBe(await tagName())
  })

  it('$executeRaw inside a batch transaction invalidates once it commits', async () => {
    const reads = everyModel(prisma)
    await primeAll(reads)
    const name = `raw-batch-${++seq}`
    await prisma.$transaction([prisma.$executeRaw(sql`UPDATE "Tag" SET name = ${name} WHERE id = ${tagId}`)])
    for (const [label, read] of reads) expect((await read()).info.status, `${label} after the commit`).toBe('miss')
    expect((await prisma.tag.findUnique({ where: { id: tagId }, cache: true }))?.name).toBe(name)
  })

  // (On SQLite a rollback invalidates like a commit: see transactions.test.ts.)
  it.runIf(capabilities.isolatedTransactions)('$executeRaw inside a rolled-back transaction invalidates nothing', async () => {
    const reads = everyModel(prisma)
    await primeAll(reads)
    const before = await tagName()
    await expect(prisma.$transaction(async (tx) => {
      await tx.$executeRaw(sql`UPDATE "Tag" SET name = ${'rolled back'} WHERE id = ${tagId}`)
      throw new Error('rollback on purpose')
    })).rejects.toThrow('rollback on purpose')
    expect(await tagName()).toBe(before)
    db.executions.reset()
    for (const [label, read] of reads) expect((await read()).info.status, `${label} after the rollback`).toBe('hit')
    expect(db.executions.total).toBe(0)
  })
})

describe.each(STORE_KINDS)("raw: 'ignore' on the %s store", (kind: StoreKind) => {
  it('$executeRaw and $executeRawUnsafe invalidate nothing: entries stay hits, though stale', async () => {
    const { prisma } = cachedClient(db, kind, { raw: 'ignore' })
    const reads = everyModel(prisma)
    await primeAll(reads)
    const cachedTag = () => prisma.tag.findUnique({ where: { id: tagId }, cache: true }).withCacheInfo()
    const before = (await cachedTag()).data?.name
    await prisma.$executeRaw(sql`UPDATE "Tag" SET name = ${`ignored-${kind}-${++seq}`} WHERE id = ${tagId}`)
    await prisma.$executeRawUnsafe(unsafeSql('UPDATE "User" SET name = $1 WHERE id = $2'), `ignored-${seq}`, userId)
    db.executions.reset()
    for (const [label, read] of reads) expect((await read()).info.status, `${label} after ignored raw SQL`).toBe('hit')
    expect(db.executions.total).toBe(0)
    const stale = await cachedTag()
    expect(stale.info.status).toBe('hit')
    expect(stale.data?.name).toBe(before)
    expect(await tagName()).not.toBe(before) // stale on purpose: raw SQL is invisible under 'ignore'
    // Prisma writes still invalidate as usual.
    await prisma.tag.update({ where: { id: tagId }, data: { name: `prisma-${seq}` } })
    const fresh = await cachedTag()
    expect(fresh.info.status).toBe('miss')
    expect(fresh.data?.name).toBe(await tagName())
  })
})
