// providers: postgres — exercises the cache's API and read path, which do not depend on the database (not yet tried on MySQL/SQLite)
/**
 * `results: 'frozen'`: hits of one stored entry share one deeply frozen value (decoded once), a
 * mutation throws instead of changing later hits, and a write still makes the next read fresh.
 * The default (`'copy'`) hands every hit a fresh copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheConfigError, cacheExtension } from '../../src/index.js'
import { cachedClient, STORE_KINDS, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
  const user = await db.prisma.user.create({ data: { email: 'frozen@example.com', name: 'Frozen' } })
  await db.prisma.post.create({ data: { title: 'Ice', authorId: user.id } })
})
afterAll(() => db?.drop())

const read = (prisma: ReturnType<typeof cachedClient>['prisma']) =>
  prisma.user.findMany({ where: { email: 'frozen@example.com' }, include: { posts: true }, cache: true }).withCacheInfo()

describe.each(STORE_KINDS)("results: 'frozen' on the %s store", (kind: StoreKind) => {
  it('hits share one frozen value, decoded once, equal to the database', async () => {
    const { prisma } = cachedClient(db, kind, { results: 'frozen' })
    await read(prisma)
    await prisma.$cache.settle()
    const first = await read(prisma)
    const second = await read(prisma)
    expect([first.info.status, second.info.status]).toEqual(['hit', 'hit'])
    expect(second.data).toBe(first.data)
    expect(Object.isFrozen(first.data)).toBe(true)
    expect(Object.isFrozen(first.data[0]!.posts[0])).toBe(true)
    expect(first.data).toStrictEqual(await db.prisma.user.findMany({ where: { email: 'frozen@example.com' }, include: { posts: true } }))
  })

  it('a mutation throws instead of changing later hits, and a write makes the next read fresh', async () => {
    const { prisma } = cachedClient(db, kind, { results: 'frozen' })
    await read(prisma)
    await prisma.$cache.settle()
    const hit = await read(prisma)
    expect(() => {
      hit.data[0]!.name = 'mutated'
    }).toThrow(TypeError)
    expect(() => hit.data.pop()).toThrow(TypeError)
    expect((await read(prisma)).data[0]!.name).toBe('Frozen')
    await prisma.user.update({ where: { email: 'frozen@example.com' }, data: { name: 'Thawed' } })
    const after = await read(prisma)
    expect(after.info.status).toBe('miss')
    expect(after.data[0]!.name).toBe('Thawed')
    await prisma.user.update({ where: { email: 'frozen@example.com' }, data: { name: 'Frozen' } })
  })

  it("by default ('copy') every hit is a fresh, mutable copy", async () => {
    const { prisma } = cachedClient(db, kind)
    await read(prisma)
    await prisma.$cache.settle()
    const first = await read(prisma)
    const second = await read(prisma)
    expect(second.data).not.toBe(first.data)
    first.data[0]!.name = 'changed locally'
    expect((await read(prisma)).data[0]!.name).toBe('Frozen')
  })
})

it("rejects an unknown results mode with CacheConfigError naming 'results'", () => {
  expect(() => cacheExtension({ results: 'shared' as never })).toThrow(CacheConfigError)
  expect(() => cacheExtension({ results: 'shared' as never })).toThrow(/results/)
})
