import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheConfigError } from '../../src/index.js'
import { cachedClient, CLUSTER_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { UNSUPPORTED_OPERATIONS } from '../helpers/provider.js'

let db: TestDatabase
let authorId: number

beforeAll(async () => {
  db = await createTestDatabase()
  authorId = (await db.prisma.user.create({ data: { email: 'writer@example.com', name: 'Writer' } })).id
})
afterAll(() => db?.drop())

let seq = 0
/** A tag name no other test uses. */
const fresh = (label: string) => `${label}-${++seq}`

/** The nine writes (seven on MySQL, which has no ...AndReturn), each on Tag; `seed` is an existing tag the write may target. */
const ALL_WRITES: [string, (p: CachedClient, seed: { id: number; name: string }) => Promise<unknown>][] = [
  ['create', (p) => p.tag.create({ data: { name: fresh('created') } })],
  ['createMany', (p) => p.tag.createMany({ data: [{ name: fresh('many') }, { name: fresh('many') }] })],
  ['createManyAndReturn', (p) => p.tag.createManyAndReturn({ data: [{ name: fresh('returned') }] })],
  ['update', (p, seed) => p.tag.update({ where: { id: seed.id }, data: { name: fresh('updated') } })],
  ['updateMany', (p, seed) => p.tag.updateMany({ where: { id: seed.id }, data: { name: fresh('bulk-updated') } })],
  ['updateManyAndReturn', (p, seed) => p.tag.updateManyAndReturn({ where: { id: seed.id }, data: { name: fresh('bulk-returned') } })],
  ['upsert', (p, seed) => p.tag.upsert({ where: { name: seed.name }, create: { name: fresh('never') }, update: { name: fresh('upserted') } })],
  ['delete', (p, seed) => p.tag.delete({ where: { id: seed.id } })],
  ['deleteMany', (p, seed) => p.tag.deleteMany({ where: { id: seed.id } })],
]
const WRITES = ALL_WRITES.filter(([name]) => !UNSUPPORTED_OPERATIONS.has(name))

/** All tags straight from the database. */
const tagsInDatabase = () => db.sql<{ id: number; name: string }>('SELECT id, name FROM "Tag" ORDER BY id')

describe.each(CLUSTER_KINDS)('writes on the %s store', (kind: StoreKind) => {
  let prisma: CachedClient
  beforeAll(() => {
    prisma = cachedClient(db, kind).prisma
  })

  const cachedTags = () => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
  const cachedTagById = (id: number) => prisma.tag.findUnique({ where: { id }, cache: true }).withCacheInfo()

  it.each(WRITES)('%s() makes the next cached findMany of its model fresh', async (_name, write) => {
    const seed = await db.prisma.tag.create({ data: { name: fresh('seed') } })
    await cachedTags()
    expect((await cachedTags()).info.status).toBe('hit')
    await write(prisma, seed)
    const after = await cachedTags()
    expect(after.info.status).toBe('miss')
    expect(after.data.map((t) => ({ id: t.id, name: t.name }))).toEqual(await tagsInDatabase())
    expect((await cachedTags()).info.status).toBe('hit')
  })

  it.each(WRITES.filter(([name]) => !name.startsWith('create')))('%s() makes the next cached findUnique of the row it changed fresh', async (_name, write) => {
    const seed = await db.prisma.tag.create({ data: { name: fresh('row') } })
    await cachedTagById(seed.id)
    expect((await cachedTagById(seed.id)).info.status).toBe('hit')
    await write(prisma, seed)
    const after = await cachedTagById(seed.id)
    expect(after.info.status).toBe('miss')
    const [row] = await db.sql<{ id: number; name: string }>('SELECT id, name FROM "Tag" WHERE id = $1', [seed.id])
    expect(after.data).toEqual(row ?? null)
  })

  it('create() makes a cached findUnique that found nothing fresh', async () => {
    const name = fresh('later')
    expect(await prisma.tag.findUnique({ where: { name }, cache: true })).toBeNull()
    await prisma.tag.create({ data: { name } })
    const after = await prisma.tag.findUnique({ where: { name }, cache: true }).withCacheInfo()
    expect(after.info.status).toBe('miss')
    expect(after.data?.name).toBe(name)
  })

  it('tag.create() and category.create() leave a cached user.findMany() a hit', async () => {
    const users = () => prisma.user.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    await users()
    db.executions.reset()
    await prisma.tag.create({ data: { name: fresh('unrelated') } })
    await prisma.category.create({ data: { name: fresh('unrelated-category') } })
    const writes = db.executions.total
    expect((await users()).info.status).toBe('hit')
    expect(db.executions.total).toBe(writes)
  })

  it('a write to a model a read includes makes that read fresh', async () => {
    const withPosts = () => prisma.user.findMany({ include: { posts: true }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    await withPosts()
    expect((await withPosts()).info.status).toBe('hit')
    const post = await prisma.post.create({ data: { title: fresh('included'), authorId } })
    const after = await withPosts()
    expect(after.info.status).toBe('miss')
    const postIds = await db.sql<{ id: number }>('SELECT id FROM "Post" WHERE "authorId" = $1 ORDER BY id', [authorId])
    expect(after.data.find((u) => u.id === authorId)?.posts.map((p) => p.id)).toEqual(postIds.map((r) => r.id))
    expect(postIds.map((r) => r.id)).toContain(post.id)
  })

  it('a write to the implicit many-to-many link makes a read that includes it fresh', async () => {
    const tag = await db.prisma.tag.create({ data: { name: fresh('linked') } })
    const post = await db.prisma.post.create({ data: { title: fresh('linked-post'), authorId } })
    const read = () => prisma.tag.findUnique({ where: { id: tag.id }, include: { posts: true }, cache: true }).withCacheInfo()
    await read()
    expect((await read()).info.status).toBe('hit')
    await prisma.post.update({ where: { id: post.id }, data: { tags: { connect: { id: tag.id } } } })
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data?.posts.map((p) => p.id)).toEqual([post.id])
  })
})

describe('cache on a write', () => {
  it('rejects with CacheConfigError naming cache, before any SQL is sent', async () => {
    const { prisma } = cachedClient(db, 'memory')
    db.executions.reset()
    const write = prisma.tag.create({ data: { name: fresh('never-written') }, cache: true } as never)
    await expect(write).rejects.toBeInstanceOf(CacheConfigError)
    await expect(write).rejects.toMatchObject({ path: 'cache' })
    expect(db.executions.total).toBe(0)
  })
})
