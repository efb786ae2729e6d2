/**
 * What a write invalidates through nested writes (guarantee 4, write side): every nested write
 * kind — create, createMany, connect, connectOrCreate, set, disconnect, update, updateMany,
 * upsert, delete, deleteMany — at depth 1 (to-one and to-many, both sides of a relation), at
 * depth 2 and 3, inside top-level create/upsert, and on implicit many-to-many links.
 *
 * Every read below reaches only the model the nested write touches (never the model the write
 * was called on), so it can only be fresh if the nested write invalidated that model. Fresh means:
 * a miss that queries PostgreSQL, equal to an uncached read of the same arguments, and different
 * from what was cached before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheInfo } from '../../src/index.js'
import { cachedClient, STORE_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db?.drop())

let seq = 0

/** A small shop of its own for each test; every read below is scoped to it by name prefix or id. */
interface World {
  prefix: string
  /** alice has a profile, an order (2 × apple) and post1 (tagged tag1); bob has no profile, an order (1 × pear) and post2. */
  alice: number
  bob: number
  profile: number
  cat: number
  other: number
  apple: number
  pear: number
  order1: number
  order2: number
  item1: number
  post1: number
  post2: number
  tag1: number
  tag2: number
}

async function makeWorld(): Promise<World> {
  const prefix = `n${++seq}-`
  const p = db.prisma
  const cat = await p.category.create({ data: { name: `${prefix}cat` } })
  const other = await p.category.create({ data: { name: `${prefix}other` } })
  const apple = await p.product.create({ data: { sku: `${prefix}apple`, name: 'Apple', price: '10.00', categoryId: cat.id } })
  const pear = await p.product.create({ data: { sku: `${prefix}pear`, name: 'Pear', price: '20.00', categoryId: cat.id } })
  const alice = await p.user.create({ data: { email: `${prefix}alice@example.com`, name: 'Alice', profile: { create: { bio: `${prefix}alice` } } }, include: { profile: true } })
  const bob = await p.user.create({ data: { email: `${prefix}bob@example.com`, name: 'Bob' } })
  const order1 = await p.order.create({ data: { userId: alice.id, total: '50.00', items: { create: { productId: apple.id, quantity: 2 } } }, include: { items: true } })
  const order2 = await p.order.create({ data: { userId: bob.id, total: '150.00', items: { create: { productId: pear.id, quantity: 1 } } } })
  const tag1 = await p.tag.create({ data: { name: `${prefix}t1` } })
  const tag2 = await p.tag.create({ data: { name: `${prefix}t2` } })
  const post1 = await p.post.create({ data: { title: `${prefix}p1`, authorId: alice.id, tags: { connect: { id: tag1.id } } } })
  const post2 = await p.post.create({ data: { title: `${prefix}p2`, authorId: bob.id } })
  return {
    prefix, alice: alice.id, bob: bob.id, profile: alice.profile!.id, cat: cat.id, other: other.id, apple: apple.id, pear: pear.id,
    order1: order1.id, order2: order2.id, item1: order1.items[0]!.id, post1: post1.id, post2: post2.id, tag1: tag1.id, tag2: tag2.id,
  }
}

type Answer = { withCacheInfo(): Promise<{ data: unknown; info: CacheInfo }> }
/** A read with `cache` true (cached) or false (bypass: straight to PostgreSQL). */
type Read = (p: CachedClient, w: World, cache: boolean) => Answer

// Reads of one model each, scoped to the world.
const posts: Read = (p, w, cache) => p.post.findMany({ where: { title: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const post1: Read = (p, w, cache) => p.post.findUnique({ where: { id: w.post1 }, cache })
const profiles: Read = (p, w, cache) => p.profile.findMany({ where: { bio: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const aliceProfile: Read = (p, w, cache) => p.profile.findUnique({ where: { id: w.profile }, cache })
const profileOfBob: Read = (p, w, cache) => p.profile.findUnique({ where: { userId: w.bob }, cache })
const profileOfAlice: Read = (p, w, cache) => p.profile.findUnique({ where: { userId: w.alice }, cache })
const orders: Read = (p, w, cache) => p.order.findMany({ where: { userId: { in: [w.alice, w.bob] } }, orderBy: { id: 'asc' }, cache })
const items: Read = (p, w, cache) => p.orderItem.findMany({ where: { productId: { in: [w.apple, w.pear] } }, orderBy: { id: 'asc' }, cache })
/** Every order item's id (unscoped: a depth-3 create makes an item of a new product). */
const allItems: Read = (p, _w, cache) => p.orderItem.findMany({ select: { id: true }, orderBy: { id: 'asc' }, cache })
const item1: Read = (p, w, cache) => p.orderItem.findUnique({ where: { id: w.item1 }, cache })
const products: Read = (p, w, cache) => p.product.findMany({ where: { sku: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const apple: Read = (p, w, cache) => p.product.findUnique({ where: { id: w.apple }, cache })
const category: Read = (p, w, cache) => p.category.findUnique({ where: { id: w.cat }, cache })
const tags: Read = (p, w, cache) => p.tag.findMany({ where: { name: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const postsWithTags: Read = (p, w, cache) => p.post.findMany({ where: { title: { startsWith: w.prefix } }, include: { tags: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' }, cache })
const tagsWithPosts: Read = (p, w, cache) => p.tag.findMany({ where: { name: { startsWith: w.prefix } }, include: { posts: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' }, cache })
const tag2WithPosts: Read = (p, w, cache) => p.tag.findUnique({ where: { id: w.tag2 }, include: { posts: true }, cache })

interface Case {
  /** The nested write, as the test title names it. */
  name: string
  write: (p: CachedClient, w: World) => Promise<unknown>
  /** Reads of the touched model(s) that the write changes, by name. */
  reads: [string, Read][]
}

const DEPTH_1: Case[] = [
  {
    name: 'create (to-many) in user.update',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { posts: { create: { title: `${w.prefix}new` } } } }),
    reads: [['post.findMany', posts]],
  },
  {
    name: 'create (to-one) in user.create',
    write: (p, w) => p.user.create({ data: { email: `${w.prefix}carol@example.com`, name: 'Carol', profile: { create: { bio: `${w.prefix}carol` } } } }),
    reads: [['profile.findMany', profiles]],
  },
  {
    name: 'createMany in user.update',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { orders: { createMany: { data: [{ total: '1.00' }, { total: '2.00' }] } } } }),
    reads: [['order.findMany', orders]],
  },
  {
    name: 'connect (to-many, from the side without the foreign key)',
    write: (p, w) => p.user.update({ where: { id: w.bob }, data: { posts: { connect: { id: w.post1 } } } }),
    reads: [['post.findMany', posts], ['post.findUnique of the connected row', post1]],
  },
  {
    name: 'connect (to-one, from the side without the foreign key)',
    write: async (p, w) => {
      const loose = await db.prisma.profile.create({ data: { bio: `${w.prefix}loose`, user: { create: { email: `${w.prefix}loose@example.com`, name: 'Loose' } } } })
      await db.prisma.profile.delete({ where: { id: w.profile } }) // alice must be free to take it; done behind the cache, before any read below changes
      return p.user.update({ where: { id: w.alice }, data: { profile: { connect: { id: loose.id } } } })
    },
    reads: [['profile.findUnique by userId', profileOfAlice]],
  },
  {
    name: 'connectOrCreate, connecting (to-many)',
    write: (p, w) => p.user.update({ where: { id: w.bob }, data: { posts: { connectOrCreate: { where: { id: w.post1 }, create: { title: `${w.prefix}never` } } } } }),
    reads: [['post.findUnique of the connected row', post1], ['post.findMany', posts]],
  },
  {
    name: 'connectOrCreate, creating (to-one)',
    write: (p, w) => p.user.update({ where: { id: w.bob }, data: { profile: { connectOrCreate: { where: { userId: w.bob }, create: { bio: `${w.prefix}bob` } } } } }),
    reads: [['profile.findMany', profiles], ['profile.findUnique that found nothing', profileOfBob]],
  },
  {
    name: 'connectOrCreate, creating (many-to-many)',
    write: (p, w) => p.post.update({ where: { id: w.post1 }, data: { tags: { connectOrCreate: { where: { name: `${w.prefix}t3` }, create: { name: `${w.prefix}t3` } } } } }),
    reads: [['tag.findMany', tags], ['tag.findMany include posts', tagsWithPosts]],
  },
  {
    name: 'set (to-many, optional foreign key)',
    write: (p, w) => p.category.update({ where: { id: w.cat }, data: { products: { set: [{ id: w.pear }] } } }),
    reads: [['product.findMany', products], ['product.findUnique of the row set loose', apple]],
  },
  {
    name: 'disconnect (to-many)',
    write: (p, w) => p.category.update({ where: { id: w.cat }, data: { products: { disconnect: { id: w.apple } } } }),
    reads: [['product.findUnique of the disconnected row', apple], ['product.findMany', products]],
  },
  {
    name: 'update (to-many)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { posts: { update: { where: { id: w.post1 }, data: { title: `${w.prefix}edited` } } } } }),
    reads: [['post.findUnique', post1], ['post.findMany', posts]],
  },
  {
    name: 'update (to-one, side without the foreign key)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { profile: { update: { bio: `${w.prefix}edited` } } } }),
    reads: [['profile.findUnique by id', aliceProfile], ['profile.findUnique by userId', profileOfAlice], ['profile.findMany', profiles]],
  },
  {
    name: 'update (to-one, side with the foreign key)',
    write: (p, w) => p.product.update({ where: { id: w.apple }, data: { category: { update: { name: `${w.prefix}edited` } } } }),
    reads: [['category.findUnique', category]],
  },
  {
    name: 'updateMany (to-many)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { posts: { updateMany: { where: {}, data: { published: true } } } } }),
    reads: [['post.findUnique', post1], ['post.findMany', posts]],
  },
  {
    name: 'upsert, updating (to-one)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { profile: { upsert: { create: { bio: `${w.prefix}never` }, update: { bio: `${w.prefix}upserted` } } } } }),
    reads: [['profile.findUnique by id', aliceProfile], ['profile.findMany', profiles]],
  },
  {
    name: 'upsert, creating (to-one)',
    write: (p, w) => p.user.update({ where: { id: w.bob }, data: { profile: { upsert: { create: { bio: `${w.prefix}bob` }, update: { bio: `${w.prefix}never` } } } } }),
    reads: [['profile.findUnique that found nothing', profileOfBob], ['profile.findMany', profiles]],
  },
  {
    name: 'upsert (to-many)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { posts: { upsert: { where: { id: w.post1 }, create: { title: `${w.prefix}never` }, update: { title: `${w.prefix}upserted` } } } } }),
    reads: [['post.findUnique', post1], ['post.findMany', posts]],
  },
  {
    name: 'delete (to-many)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { posts: { delete: { id: w.post1 } } } }),
    reads: [['post.findUnique of the deleted row', post1], ['post.findMany', posts]],
  },
  {
    name: 'delete (to-one)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { profile: { delete: true } } }),
    reads: [['profile.findUnique of the deleted row', aliceProfile], ['profile.findUnique by userId', profileOfAlice]],
  },
  {
    name: 'deleteMany (to-many), cascading to order items',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { orders: { deleteMany: {} } } }),
    reads: [['order.findMany', orders], ['orderItem.findMany', items], ['orderItem.findUnique', item1]],
  },
]

const MANY_TO_MANY: Case[] = [
  {
    name: 'connect (many-to-many) in post.update',
    write: (p, w) => p.post.update({ where: { id: w.post2 }, data: { tags: { connect: { id: w.tag2 } } } }),
    reads: [['post.findMany include tags', postsWithTags], ['tag.findMany include posts', tagsWithPosts], ['tag.findUnique include posts', tag2WithPosts]],
  },
  {
    name: 'connect (many-to-many) in tag.update',
    write: (p, w) => p.tag.update({ where: { id: w.tag2 }, data: { posts: { connect: [{ id: w.post1 }, { id: w.post2 }] } } }),
    reads: [['post.findMany include tags', postsWithTags], ['tag.findMany include posts', tagsWithPosts]],
  },
  {
    name: 'disconnect (many-to-many) in post.update',
    write: (p, w) => p.post.update({ where: { id: w.post1 }, data: { tags: { disconnect: { id: w.tag1 } } } }),
    reads: [['post.findMany include tags', postsWithTags], ['tag.findMany include posts', tagsWithPosts]],
  },
  {
    name: 'disconnect (many-to-many) in tag.update',
    write: (p, w) => p.tag.update({ where: { id: w.tag1 }, data: { posts: { disconnect: { id: w.post1 } } } }),
    reads: [['post.findMany include tags', postsWithTags], ['tag.findMany include posts', tagsWithPosts]],
  },
  {
    name: 'set (many-to-many) in post.update',
    write: (p, w) => p.post.update({ where: { id: w.post1 }, data: { tags: { set: [{ id: w.tag2 }] } } }),
    reads: [['post.findMany include tags', postsWithTags], ['tag.findMany include posts', tagsWithPosts], ['tag.findUnique include posts', tag2WithPosts]],
  },
  {
    name: 'set (many-to-many) in tag.update',
    write: (p, w) => p.tag.update({ where: { id: w.tag2 }, data: { posts: { set: [{ id: w.post2 }] } } }),
    reads: [['post.findMany include tags', postsWithTags], ['tag.findMany include posts', tagsWithPosts]],
  },
  {
    name: 'create (many-to-many) in post.create',
    write: (p, w) => p.post.create({ data: { title: `${w.prefix}p3`, authorId: w.alice, tags: { create: { name: `${w.prefix}t3` } } } }),
    reads: [['tag.findMany', tags], ['tag.findMany include posts', tagsWithPosts]],
  },
]

const DEEPER: Case[] = [
  {
    name: 'create at depth 2 (user → orders.create → items.create)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { orders: { create: { total: '3.00', items: { create: { productId: w.pear, quantity: 4 } } } } } }),
    reads: [['orderItem.findMany', items]],
  },
  {
    name: 'updateMany at depth 2 (user → orders.update → items.updateMany)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { orders: { update: { where: { id: w.order1 }, data: { items: { updateMany: { where: {}, data: { quantity: 9 } } } } } } } }),
    reads: [['orderItem.findUnique', item1], ['orderItem.findMany', items]],
  },
  {
    name: 'deleteMany at depth 2 (category → products.update → orderItems.deleteMany)',
    write: (p, w) => p.category.update({ where: { id: w.cat }, data: { products: { update: { where: { id: w.apple }, data: { orderItems: { deleteMany: {} } } } } } }),
    reads: [['orderItem.findUnique', item1], ['orderItem.findMany', items]],
  },
  {
    name: 'create at depth 2 under upsert (user → orders.upsert.update → items.create)',
    write: (p, w) => p.user.update({
      where: { id: w.alice },
      data: { orders: { upsert: { where: { id: w.order1 }, create: { total: '0.00' }, update: { items: { create: { productId: w.pear, quantity: 1 } } } } } },
    }),
    reads: [['orderItem.findMany', items]],
  },
  {
    name: 'connect (many-to-many) at depth 2 (user → posts.update → tags.connect)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { posts: { update: { where: { id: w.post1 }, data: { tags: { connect: { id: w.tag2 } } } } } } }),
    reads: [['tag.findMany include posts', tagsWithPosts], ['tag.findUnique include posts', tag2WithPosts]],
  },
  {
    name: 'create at depth 2 under connectOrCreate (post.create → author.connectOrCreate → profile.create)',
    write: (p, w) => p.post.create({
      data: {
        title: `${w.prefix}p3`,
        author: { connectOrCreate: { where: { email: `${w.prefix}dan@example.com` }, create: { email: `${w.prefix}dan@example.com`, name: 'Dan', profile: { create: { bio: `${w.prefix}dan` } } } } },
      },
    }),
    reads: [['profile.findMany', profiles]],
  },
  {
    name: 'create at depth 3 (user.create → orders → items → product)',
    write: (p, w) => p.user.create({
      data: {
        email: `${w.prefix}erin@example.com`,
        name: 'Erin',
        orders: { create: { total: '5.00', items: { create: { quantity: 1, product: { create: { sku: `${w.prefix}kiwi`, name: 'Kiwi', price: '5.00' } } } } } },
      },
    }),
    reads: [['product.findMany', products], ['orderItem.findMany', allItems]],
  },
  {
    name: 'create inside a top-level upsert (update branch)',
    write: (p, w) => p.user.upsert({ where: { id: w.alice }, create: { email: `${w.prefix}never@example.com`, name: 'Never' }, update: { posts: { create: { title: `${w.prefix}upserted` } } } }),
    reads: [['post.findMany', posts]],
  },
  {
    name: 'create inside a top-level upsert (create branch)',
    write: (p, w) => p.user.upsert({
      where: { email: `${w.prefix}fay@example.com` },
      create: { email: `${w.prefix}fay@example.com`, name: 'Fay', posts: { create: { title: `${w.prefix}fay` } } },
      update: {},
    }),
    reads: [['post.findMany', posts]],
  },
  {
    name: 'createMany inside order.create that connects its user',
    write: (p, w) => p.order.create({ data: { total: '9.00', user: { connect: { id: w.bob } }, items: { createMany: { data: [{ productId: w.apple, quantity: 1 }, { productId: w.pear, quantity: 2 }] } } } }),
    reads: [['orderItem.findMany', items]],
  },
]

describe.each(STORE_KINDS)('nested writes on the %s store', (kind: StoreKind) => {
  let prisma: CachedClient
  beforeAll(() => {
    prisma = cachedClient(db, kind).prisma
  })

  /** Primes every read, runs the write, and checks every read is fresh. */
  async function expectFreshAfter(c: Case): Promise<void> {
    const w = await makeWorld()
    const before: unknown[] = []
    for (const [name, read] of c.reads) {
      before.push((await read(prisma, w, true).withCacheInfo()).data)
      expect((await read(prisma, w, true).withCacheInfo()).info.status, `${name} is cached`).toBe('hit')
    }
    await c.write(prisma, w)
    for (const [i, [name, read]] of c.reads.entries()) {
      db.executions.reset()
      const after = await read(prisma, w, true).withCacheInfo()
      expect(after.info.status, `${name} after the write`).toBe('miss')
      expect(db.executions.reads, `${name} queried PostgreSQL`).toBeGreaterThan(0)
      const uncached = await read(prisma, w, false).withCacheInfo()
      expect(uncached.info.status).toBe('bypass')
      expect(after.data, `${name} equals an uncached read`).toEqual(uncached.data)
      expect(after.data, `${name} changed (the write touched it)`).not.toEqual(before[i])
    }
  }

  describe('depth 1', () => {
    it.each(DEPTH_1.map((c) => [c.name, c.reads.map(([n]) => n).join(', '), c] as const))('%s makes %s fresh', (_n, _r, c) => expectFreshAfter(c))
  })

  describe('many-to-many links', () => {
    it.each(MANY_TO_MANY.map((c) => [c.name, c.reads.map(([n]) => n).join(', '), c] as const))('%s makes %s fresh', (_n, _r, c) => expectFreshAfter(c))
  })

  describe('depth 2 and deeper', () => {
    it.each(DEEPER.map((c) => [c.name, c.reads.map(([n]) => n).join(', '), c] as const))('%s makes %s fresh', (_n, _r, c) => expectFreshAfter(c))
  })

  it('nested writes are checked against PostgreSQL: a nested post create and a nested m2m connect', async () => {
    const w = await makeWorld()
    await posts(prisma, w, true).withCacheInfo()
    await postsWithTags(prisma, w, true).withCacheInfo()
    const created = await prisma.user.update({ where: { id: w.bob }, data: { posts: { create: { title: `${w.prefix}p3`, tags: { connect: { id: w.tag2 } } } } }, include: { posts: true } })
    const newPost = created.posts.find((p) => p.title === `${w.prefix}p3`)!
    const rows = await db.sql<{ id: number }>('SELECT id FROM "Post" WHERE title LIKE $1 ORDER BY id', [`${w.prefix}%`])
    const cached = await prisma.post.findMany({ where: { title: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    expect(cached.info.status).toBe('miss')
    expect(cached.data.map((p) => p.id)).toEqual(rows.map((r) => r.id))
    const links = await db.sql<{ B: number }>('SELECT "B" FROM "_PostToTag" WHERE "A" = $1', [newPost.id])
    const withTags = await prisma.post.findMany({ where: { title: { startsWith: w.prefix } }, include: { tags: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    expect(withTags.info.status).toBe('miss')
    expect(withTags.data.find((p) => p.id === newPost.id)?.tags.map((t) => t.id)).toEqual(links.map((l) => l.B))
  })

  describe('precision', () => {
    it('a relink from the side holding the foreign key leaves reads of the relinked model alone (its rows did not change)', async () => {
      const w = await makeWorld()
      const categories = () => prisma.category.findMany({ where: { name: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
      const withProducts = () => prisma.category.findMany({ where: { name: { startsWith: w.prefix } }, include: { products: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
      await categories()
      const before = (await withProducts()).data
      await prisma.product.update({ where: { id: w.apple }, data: { category: { connect: { id: w.other } } } })
      db.executions.reset()
      expect((await categories()).info.status).toBe('hit')
      expect(db.executions.total).toBe(0)
      const after = await withProducts()
      expect(after.info.status).toBe('miss')
      expect(after.data).not.toEqual(before)
    })

    it('a nested to-many create leaves reads of models it does not reach a hit', async () => {
      const w = await makeWorld()
      await tags(prisma, w, true).withCacheInfo()
      await products(prisma, w, true).withCacheInfo()
      await prisma.user.update({ where: { id: w.alice }, data: { posts: { create: { title: `${w.prefix}new` } } } })
      db.executions.reset()
      expect((await tags(prisma, w, true).withCacheInfo()).info.status).toBe('hit')
      expect((await products(prisma, w, true).withCacheInfo()).info.status).toBe('hit')
      expect(db.executions.total).toBe(0)
    })

    it('a many-to-many connect leaves reads that do not cross the link a hit', async () => {
      const w = await makeWorld()
      const users = () => prisma.user.findMany({ where: { email: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
      await users()
      await products(prisma, w, true).withCacheInfo()
      await prisma.post.update({ where: { id: w.post2 }, data: { tags: { connect: { id: w.tag2 } } } })
      db.executions.reset()
      expect((await users()).info.status).toBe('hit')
      expect((await products(prisma, w, true).withCacheInfo()).info.status).toBe('hit')
      expect(db.executions.total).toBe(0)
    })
  })
})
