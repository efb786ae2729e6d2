/**
 * Prisma's fluent API (`prisma.user.findUnique({ where }).posts()`) on the four single-record
 * reads the extension replaces. A relation call runs through Prisma, uncached, exactly as without
 * the extension: Prisma sends it as the parent read with the relation selected and unpacks the
 * result below every query hook, so caching it under the parent read's key would answer a later
 * ordinary read with the wrong shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cachedClient, type CachedClientOptions } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let ada: { id: number; email: string }
let bob: { id: number }

beforeAll(async () => {
  db = await createTestDatabase()
  ada = await db.prisma.user.create({ data: { email: 'fluent-ada@example.com', name: 'Ada', profile: { create: { bio: 'mathematician' } } } })
  bob = await db.prisma.user.create({ data: { email: 'fluent-bob@example.com', name: 'Bob', referrerId: ada.id } })
  await db.prisma.post.create({ data: { title: 'Notes on the engine', authorId: ada.id, published: true } })
  await db.prisma.post.create({ data: { title: 'Sketches', authorId: ada.id } })
  await db.prisma.order.create({ data: { userId: bob.id, total: '3.50' } })
})
afterAll(() => db?.drop())

describe.each([
  ['opt-in', {}],
  ["'all'", { mode: 'all' }],
] as [string, CachedClientOptions][])('the fluent API in %s mode', (_mode, options) => {
  const client = () => cachedClient(db, 'memory', options).prisma

  it('findUnique(...).posts() returns what Prisma returns, with or without cache, and runs on the database each time', async () => {
    const prisma = client()
    const where = { id: ada.id }
    db.executions.reset()
    const expected = await db.prisma.user.findUnique({ where }).posts({ orderBy: { id: 'asc' } })
    const perCall = db.executions.total
    expect(expected?.length).toBeGreaterThan(1)
    db.executions.reset()
    expect(await prisma.user.findUnique({ where }).posts({ orderBy: { id: 'asc' } })).toStrictEqual(expected)
    expect(await prisma.user.findUnique({ where, cache: true }).posts({ orderBy: { id: 'asc' } })).toStrictEqual(expected)
    expect(await prisma.user.findUnique({ where, cache: true }).posts({ orderBy: { id: 'asc' } })).toStrictEqual(expected)
    expect(db.executions.total).toBe(3 * perCall)
  })

  it('the other single-record reads and chained relations answer like Prisma', async () => {
    const prisma = client()
    expect(await prisma.user.findUniqueOrThrow({ where: { id: bob.id }, cache: true }).orders()).toStrictEqual(await db.prisma.user.findUniqueOrThrow({ where: { id: bob.id } }).orders())
    expect(await prisma.user.findFirst({ where: { name: 'Bob' }, cache: true }).referrer()).toStrictEqual(await db.prisma.user.findFirst({ where: { name: 'Bob' } }).referrer())
    // A call chained past the first relation runs as in Prisma; its type is a plain Prisma promise.
    const profile = prisma.user.findFirstOrThrow({ where: { name: 'Ada' } }).profile() as unknown as { user(): Promise<unknown> }
    expect(await profile.user()).toStrictEqual(await db.prisma.user.findFirstOrThrow({ where: { name: 'Ada' } }).profile().user())
    expect(await prisma.user.findUnique({ where: { id: -1 } }).posts()).toBe(await db.prisma.user.findUnique({ where: { id: -1 } }).posts())
    await expect(prisma.user.findUniqueOrThrow({ where: { id: -1 } }).posts()).rejects.toMatchObject({ code: 'P2025' })
  })

  it('a relation call leaves no entry: the parent read with that relation selected still gets its own shape', async () => {
    const prisma = client()
    const args = { where: { id: ada.id }, select: { posts: true } } as const
    await prisma.user.findUnique({ ...args, cache: true }).posts() // Prisma sends this very read, and unpacks the posts below the hook
    const { data, info } = await prisma.user.findUnique({ ...args, cache: true }).withCacheInfo()
    expect(info.status).toBe('miss')
    expect(data).toStrictEqual(await db.prisma.user.findUnique(args))
  })

  it('the read itself, awaited, is still served by the cache', async () => {
    const prisma = client()
    const read = () => prisma.user.findUnique({ where: { id: ada.id }, cache: true })
    await read()
    const promise = read()
    expect(typeof promise.posts).toBe('function')
    await promise.posts()
    db.executions.reset()
    expect((await promise.withCacheInfo()).info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
  })

  it('inside getOrSet, a relation call adds its dependencies: a write to the related model recomputes the entry', async () => {
    const prisma = client()
    let computed = 0
    const titles = () => prisma.$cache.getOrSet(`titles-${_mode}`, async () => {
      computed++
      return ((await prisma.user.findUnique({ where: { id: ada.id } }).posts({ orderBy: { id: 'asc' } })) ?? []).map((p) => p.title)
    })
    const first = await titles()
    expect(await titles()).toEqual(first)
    expect(computed).toBe(1)
    await prisma.post.create({ data: { title: `Added in ${_mode}`, authorId: ada.id } })
    expect(await titles()).toEqual([...first, `Added in ${_mode}`])
    expect(computed).toBe(2)
  })
})
