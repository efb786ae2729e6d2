/**
 * What a read depends on (guarantee 4, read side): every model reached through include/select at
 * any depth, `_count` (in select, in include, with a filtered where, nested), relation filters
 * (`some`/`every`/`none`/`is`/`isNot`, shorthand, under AND/OR/NOT, nested), relation `orderBy`
 * (to-one fields, `_count`, two levels, inside an include) and the link table of a traversed
 * implicit many-to-many relation.
 *
 * Each case is shown both ways on every store: a write to a model the read reaches makes the
 * cached read fresh (a miss that queries PostgreSQL and equals an uncached read of the same
 * arguments), and a write to a model it does not reach leaves it a hit (0 statements).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheInfo } from '../../src/index.js'
import { cachedClient, CLUSTER_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { sql } from '../helpers/provider.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db?.drop())

let seq = 0

/** A small shop of its own for each test; every read below is scoped to it by name prefix or id. */
interface World {
  prefix: string
  alice: number
  bob: number
  /** Categories: `cat` (child of `parent`, holds apple and plum) and `other` (holds pear). */
  parent: { id: number; name: string }
  cat: { id: number; name: string }
  other: { id: number; name: string }
  apple: { id: number; name: string }
  pear: { id: number; name: string }
  plum: { id: number; name: string }
  /** alice's order (total 50, 2 × apple) and bob's (total 150, 1 × pear). */
  order1: number
  order2: number
  item1: number
  item2: number
  /** post1: alice's, unpublished, tagged tag1; post2: bob's, published, untagged. */
  post1: number
  post2: number
  tag1: { id: number; name: string }
  tag2: { id: number; name: string }
}

async function makeWorld(): Promise<World> {
  const prefix = `w${++seq}-`
  const p = db.prisma
  const parent = await p.category.create({ data: { name: `${prefix}a-parent` } })
  const cat = await p.category.create({ data: { name: `${prefix}b-cat`, parentId: parent.id } })
  const other = await p.category.create({ data: { name: `${prefix}c-other` } })
  const apple = await p.product.create({ data: { sku: `${prefix}apple`, name: `${prefix}Apple`, price: '10.00', categoryId: cat.id } })
  const pear = await p.product.create({ data: { sku: `${prefix}pear`, name: `${prefix}Pear`, price: '20.00', categoryId: other.id } })
  const plum = await p.product.create({ data: { sku: `${prefix}plum`, name: `${prefix}Plum`, price: '30.00', categoryId: cat.id } })
  const alice = await p.user.create({ data: { email: `${prefix}alice@example.com`, name: 'Alice', profile: { create: { bio: 'a' } } } })
  const bob = await p.user.create({ data: { email: `${prefix}bob@example.com`, name: 'Bob', referrerId: alice.id } })
  const order1 = await p.order.create({ data: { userId: alice.id, total: '50.00', items: { create: { productId: apple.id, quantity: 2 } } }, include: { items: true } })
  const order2 = await p.order.create({ data: { userId: bob.id, total: '150.00', items: { create: { productId: pear.id, quantity: 1 } } }, include: { items: true } })
  const tag1 = await p.tag.create({ data: { name: `${prefix}t1` } })
  const tag2 = await p.tag.create({ data: { name: `${prefix}t2` } })
  const post1 = await p.post.create({ data: { title: `${prefix}p1`, authorId: alice.id, tags: { connect: { id: tag1.id } } } })
  const post2 = await p.post.create({ data: { title: `${prefix}p2`, authorId: bob.id, published: true } })
  return {
    prefix, alice: alice.id, bob: bob.id, parent, cat, other, apple, pear, plum,
    order1: order1.id, order2: order2.id, item1: order1.items[0]!.id, item2: order2.items[0]!.id,
    post1: post1.id, post2: post2.id, tag1, tag2,
  }
}

const usersOf = (w: World) => ({ email: { startsWith: w.prefix } })
const productsOf = (w: World) => ({ sku: { startsWith: w.prefix } })
const postsOf = (w: World) => ({ title: { startsWith: w.prefix } })
const ordersOf = (w: World) => ({ userId: { in: [w.alice, w.bob] } })

type Answer = { withCacheInfo(): Promise<{ data: unknown; info: CacheInfo }> }

interface Case {
  /** The read, as the test title names it. */
  name: string
  /** The read with `cache` set to true (cached) or false (bypass: straight to PostgreSQL). */
  read: (p: CachedClient, w: World, cache: boolean) => Answer
  /** A write that changes what the read returns. */
  change: string
  write: (p: CachedClient, w: World) => Promise<unknown>
  /** A write to a model the read does not reach. */
  unrelatedChange: string
  unrelated: (p: CachedClient, w: World) => Promise<unknown>
  /** Optional check of the fresh result against a direct SQL read. */
  sql?: (data: unknown, w: World) => Promise<void>
}

// Writes used as "unrelated" by several cases.
const createTag = (p: CachedClient, w: World) => p.tag.create({ data: { name: `${w.prefix}unrelated-${++seq}` } })
const createPost = (p: CachedClient, w: World) => p.post.create({ data: { title: `${w.prefix}unrelated-${++seq}`, authorId: w.alice } })
const createOrder = (p: CachedClient, w: World) => p.order.create({ data: { userId: w.bob, total: '1.00' } })
const createUser = (p: CachedClient, w: World) => p.user.create({ data: { email: `${w.prefix}unrelated-${++seq}@example.com`, name: 'Unrelated' } })
const renameApple = (p: CachedClient, w: World) => p.product.update({ where: { id: w.apple.id }, data: { name: `${w.prefix}Renamed` } })
const renameCat = (p: CachedClient, w: World) => p.category.update({ where: { id: w.cat.id }, data: { name: `${w.prefix}z-renamed` } })
const renameTag1 = (p: CachedClient, w: World) => p.tag.update({ where: { id: w.tag1.id }, data: { name: `${w.prefix}t1-renamed` } })

const CASES: Case[] = [
  // include / select at depth 1 to 3
  {
    name: 'user.findMany include orders',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), include: { orders: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' }, cache }),
    change: 'order.create', write: (p, w) => p.order.create({ data: { userId: w.alice, total: '7.00' } }),
    unrelatedChange: 'post.create', unrelated: createPost,
    sql: async (data, w) => {
      const rows = await db.sql<{ id: number }>('SELECT id FROM "Order" WHERE "userId" = $1 ORDER BY id', [w.alice])
      const alice = (data as { id: number; orders: { id: number }[] }[]).find((u) => u.id === w.alice)!
      expect(alice.orders.map((o) => o.id)).toEqual(rows.map((r) => r.id))
    },
  },
  {
    name: 'include at depth 2 (user → orders → items)',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), include: { orders: { include: { items: true } } }, orderBy: { id: 'asc' }, cache }),
    change: 'orderItem.update', write: (p, w) => p.orderItem.update({ where: { id: w.item1 }, data: { quantity: 9 } }),
    unrelatedChange: 'product.update', unrelated: renameApple,
    sql: async (data, w) => {
      const [row] = await db.sql<{ quantity: number }>('SELECT quantity FROM "OrderItem" WHERE id = $1', [w.item1])
      const items = (data as { orders: { items: { id: number; quantity: number }[] }[] }[]).flatMap((u) => u.orders.flatMap((o) => o.items))
      expect(items.find((i) => i.id === w.item1)?.quantity).toBe(row!.quantity)
    },
  },
  {
    name: 'include at depth 3 (user → orders → items → product)',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), include: { orders: { include: { items: { include: { product: true } } } } }, orderBy: { id: 'asc' }, cache }),
    change: 'product.update', write: renameApple,
    unrelatedChange: 'category.update', unrelated: renameCat,
  },
  {
    name: 'select at depth 2 (category → products → orderItems)',
    read: (p, w, cache) => p.category.findMany({
      where: { name: { startsWith: w.prefix } },
      select: { name: true, products: { select: { sku: true, orderItems: { select: { quantity: true } } }, orderBy: { id: 'asc' } } },
      orderBy: { id: 'asc' },
      cache,
    }),
    change: 'orderItem.update', write: (p, w) => p.orderItem.update({ where: { id: w.item1 }, data: { quantity: 5 } }),
    unrelatedChange: 'order.update', unrelated: (p, w) => p.order.update({ where: { id: w.order1 }, data: { total: '51.00' } }),
  },
  {
    name: 'select then include (order → user → profile)',
    read: (p, w, cache) => p.order.findMany({ where: ordersOf(w), select: { id: true, user: { include: { profile: true } } }, orderBy: { id: 'asc' }, cache }),
    change: 'profile.update', write: (p, w) => p.profile.update({ where: { userId: w.alice }, data: { bio: 'changed' } }),
    unrelatedChange: 'post.create', unrelated: createPost,
  },
  // _count
  {
    name: '_count in select (user → posts)',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), select: { id: true, _count: { select: { posts: true } } }, orderBy: { id: 'asc' }, cache }),
    change: 'post.create', write: createPost,
    unrelatedChange: 'order.create', unrelated: createOrder,
    sql: async (data, w) => {
      const [row] = await db.sql<{ n: number | string }>('SELECT count(*) AS n FROM "Post" WHERE "authorId" = $1', [w.alice])
      expect((data as { id: number; _count: { posts: number } }[]).find((u) => u.id === w.alice)?._count.posts).toBe(Number(row!.n))
    },
  },
  {
    name: 'include: { _count: true } (every relation of user)',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), include: { _count: true }, orderBy: { id: 'asc' }, cache }),
    change: 'order.create', write: createOrder,
    unrelatedChange: 'tag.create', unrelated: createTag,
  },
  {
    name: 'include: { _count: { select: { orders } } }',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), include: { _count: { select: { orders: true } } }, orderBy: { id: 'asc' }, cache }),
    change: 'order.delete', write: (p, w) => p.order.delete({ where: { id: w.order1 } }),
    unrelatedChange: 'post.create', unrelated: createPost,
  },
  {
    name: '_count with a relation filter in its where (user → posts where tags some)',
    read: (p, w, cache) => p.user.findMany({
      where: usersOf(w),
      select: { id: true, _count: { select: { posts: { where: { tags: { some: { name: w.tag1.name } } } } } } },
      orderBy: { id: 'asc' },
      cache,
    }),
    change: 'tag.update', write: renameTag1,
    unrelatedChange: 'order.create', unrelated: createOrder,
  },
  {
    name: '_count nested in an include (user → orders → _count items)',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), include: { orders: { include: { _count: { select: { items: true } } } } }, orderBy: { id: 'asc' }, cache }),
    change: 'orderItem.create', write: (p, w) => p.orderItem.create({ data: { orderId: w.order1, productId: w.pear.id, quantity: 1 } }),
    unrelatedChange: 'product.update', unrelated: renameApple,
  },
  // relation filters
  {
    name: 'relation filter is (product where category is { name })',
    read: (p, w, cache) => p.product.findMany({ where: { ...productsOf(w), category: { is: { name: w.cat.name } } }, orderBy: { id: 'asc' }, cache }),
    change: 'category.update', write: renameCat,
    unrelatedChange: 'order.create', unrelated: createOrder,
    sql: async (data, w) => {
      const rows = await db.sql<{ id: number }>(
        'SELECT p.id FROM "Product" p JOIN "Category" c ON c.id = p."categoryId" WHERE p.sku LIKE $1 AND c.name = $2 ORDER BY p.id', [`${w.prefix}%`, w.cat.name])
      expect((data as { id: number }[]).map((r) => r.id)).toEqual(rows.map((r) => r.id))
      expect(rows).toEqual([])
    },
  },
  {
    name: 'relation filter isNot',
    read: (p, w, cache) => p.product.findMany({ where: { ...productsOf(w), category: { isNot: { name: w.cat.name } } }, orderBy: { id: 'asc' }, cache }),
    change: 'category.update', write: renameCat,
    unrelatedChange: 'user.create', unrelated: createUser,
  },
  {
    name: 'relation filter is, shorthand (category: { name })',
    read: (p, w, cache) => p.product.findMany({ where: { ...productsOf(w), category: { name: w.cat.name } }, orderBy: { id: 'asc' }, cache }),
    change: 'category.update', write: renameCat,
    unrelatedChange: 'user.create', unrelated: createUser,
  },
  {
    name: 'relation filter some (user where orders some total > 100)',
    read: (p, w, cache) => p.user.findMany({ where: { ...usersOf(w), orders: { some: { total: { gt: 100 } } } }, orderBy: { id: 'asc' }, cache }),
    change: 'order.update', write: (p, w) => p.order.update({ where: { id: w.order1 }, data: { total: '500.00' } }),
    unrelatedChange: 'post.create', unrelated: createPost,
  },
  {
    name: 'relation filter every (user where orders every total < 100)',
    read: (p, w, cache) => p.user.findMany({ where: { ...usersOf(w), orders: { every: { total: { lt: 100 } } } }, orderBy: { id: 'asc' }, cache }),
    change: 'order.create', write: (p, w) => p.order.create({ data: { userId: w.alice, total: '999.00' } }),
    unrelatedChange: 'profile.update', unrelated: (p, w) => p.profile.update({ where: { userId: w.alice }, data: { bio: 'unrelated' } }),
  },
  {
    name: 'relation filter none (user where posts none published)',
    read: (p, w, cache) => p.user.findMany({ where: { ...usersOf(w), posts: { none: { published: true } } }, orderBy: { id: 'asc' }, cache }),
    change: 'post.update', write: (p, w) => p.post.update({ where: { id: w.post1 }, data: { published: true } }),
    unrelatedChange: 'order.create', unrelated: createOrder,
  },
  {
    name: 'relation filters nested three levels (user → orders some → items some → product is)',
    read: (p, w, cache) => p.user.findMany({
      where: { ...usersOf(w), orders: { some: { items: { some: { product: { is: { name: w.apple.name } } } } } } },
      orderBy: { id: 'asc' },
      cache,
    }),
    change: 'product.update', write: renameApple,
    unrelatedChange: 'category.update', unrelated: renameCat,
  },
  {
    name: 'relation filters under OR and NOT',
    read: (p, w, cache) => p.user.findMany({
      where: { ...usersOf(w), OR: [{ profile: { is: { bio: 'vip' } } }, { NOT: { posts: { some: {} } } }] },
      orderBy: { id: 'asc' },
      cache,
    }),
    change: 'profile.update', write: (p, w) => p.profile.update({ where: { userId: w.alice }, data: { bio: 'vip' } }),
    unrelatedChange: 'order.create', unrelated: createOrder,
  },
  {
    name: 'relation filter in a count (post.count where author is)',
    read: (p, w, cache) => p.post.count({ where: { ...postsOf(w), author: { is: { name: 'Alice' } } }, cache }),
    change: 'user.update', write: (p, w) => p.user.update({ where: { id: w.alice }, data: { name: 'Alicia' } }),
    unrelatedChange: 'tag.create', unrelated: createTag,
  },
  {
    name: 'relation filter in an aggregate (order._sum where user is)',
    read: (p, w, cache) => p.order.aggregate({ where: { ...ordersOf(w), user: { is: { name: 'Alice' } } }, _sum: { total: true }, cache }),
    change: 'user.update', write: (p, w) => p.user.update({ where: { id: w.alice }, data: { name: 'Alicia' } }),
    unrelatedChange: 'product.update', unrelated: renameApple,
  },
  {
    name: 'relation filter in a groupBy (orderItem by orderId where product is)',
    read: (p, w, cache) => p.orderItem.groupBy({
      by: ['orderId'],
      where: { orderId: { in: [w.order1, w.order2] }, product: { is: { name: w.apple.name } } },
      _sum: { quantity: true },
      orderBy: { orderId: 'asc' },
      cache,
    }),
    change: 'product.update', write: renameApple,
    unrelatedChange: 'user.create', unrelated: createUser,
  },
  {
    name: 'many-to-many relation filter in a findFirst (post where tags some)',
    read: (p, w, cache) => p.post.findFirst({ where: { ...postsOf(w), tags: { some: { name: w.tag1.name } } }, cache }),
    change: 'tag.update', write: renameTag1,
    unrelatedChange: 'order.create', unrelated: createOrder,
  },
  {
    name: 'relation filter in the where of an include (user → posts where tags some)',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), include: { posts: { where: { tags: { some: { name: w.tag1.name } } } } }, orderBy: { id: 'asc' }, cache }),
    change: 'tag.update', write: renameTag1,
    unrelatedChange: 'order.create', unrelated: createOrder,
  },
  // relation orderBy
  {
    name: 'orderBy a to-one relation field (product by category.name)',
    read: (p, w, cache) => p.product.findMany({ where: productsOf(w), select: { id: true }, orderBy: [{ category: { name: 'asc' } }, { id: 'asc' }], cache }),
    change: 'category.update', write: renameCat,
    unrelatedChange: 'user.create', unrelated: createUser,
    sql: async (data, w) => {
      const rows = await db.sql<{ id: number }>(
        'SELECT p.id FROM "Product" p LEFT JOIN "Category" c ON c.id = p."categoryId" WHERE p.sku LIKE $1 ORDER BY c.name ASC, p.id ASC', [`${w.prefix}%`])
      expect(data).toEqual(rows)
    },
  },
  {
    name: 'orderBy a relation _count (user by orders._count)',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), select: { id: true }, orderBy: [{ orders: { _count: 'desc' } }, { id: 'asc' }], cache }),
    change: 'order.create', write: createOrder,
    unrelatedChange: 'post.create', unrelated: createPost,
  },
  {
    name: 'orderBy two relation levels (orderItem by product.category.name)',
    read: (p, w, cache) => p.orderItem.findMany({ where: { orderId: { in: [w.order1, w.order2] } }, select: { id: true }, orderBy: [{ product: { category: { name: 'asc' } } }, { id: 'asc' }], cache }),
    change: 'category.update', write: renameCat,
    unrelatedChange: 'user.create', unrelated: createUser,
  },
  {
    name: 'relation orderBy inside an include (category → products by orderItems._count)',
    read: (p, w, cache) => p.category.findMany({
      where: { id: w.cat.id },
      include: { products: { select: { id: true }, orderBy: [{ orderItems: { _count: 'desc' } }, { id: 'asc' }] } },
      cache,
    }),
    change: 'orderItem.create ×2',
    write: async (p, w) => {
      await p.orderItem.create({ data: { orderId: w.order1, productId: w.plum.id, quantity: 1 } })
      await p.orderItem.create({ data: { orderId: w.order2, productId: w.plum.id, quantity: 1 } })
    },
    unrelatedChange: 'user.create', unrelated: createUser,
  },
  // implicit many-to-many
  {
    name: 'many-to-many include (post → tags)',
    read: (p, w, cache) => p.post.findMany({ where: postsOf(w), include: { tags: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' }, cache }),
    change: 'tag.update connect', write: (p, w) => p.tag.update({ where: { id: w.tag2.id }, data: { posts: { connect: { id: w.post1 } } } }),
    unrelatedChange: 'order.create', unrelated: createOrder,
    sql: async (data, w) => {
      const rows = await db.sql<{ B: number }>('SELECT "B" FROM "_PostToTag" WHERE "A" = $1 ORDER BY "B"', [w.post1])
      expect((data as { id: number; tags: { id: number }[] }[]).find((p) => p.id === w.post1)?.tags.map((t) => t.id)).toEqual(rows.map((r) => r.B))
    },
  },
  {
    name: 'many-to-many traversed at depth 2 (user → posts → tags)',
    read: (p, w, cache) => p.user.findMany({ where: usersOf(w), include: { posts: { include: { tags: true } } }, orderBy: { id: 'asc' }, cache }),
    change: 'post.update connect', write: (p, w) => p.post.update({ where: { id: w.post2 }, data: { tags: { connect: { id: w.tag2.id } } } }),
    unrelatedChange: 'order.create', unrelated: createOrder,
  },
  {
    name: 'many-to-many _count (tag → _count posts)',
    read: (p, w, cache) => p.tag.findMany({ where: { name: { startsWith: w.prefix } }, select: { id: true, _count: { select: { posts: true } } }, orderBy: { id: 'asc' }, cache }),
    change: 'post.update disconnect', write: (p, w) => p.post.update({ where: { id: w.post1 }, data: { tags: { disconnect: { id: w.tag1.id } } } }),
    unrelatedChange: 'user.create', unrelated: createUser,
  },
  // row-precise reads that reach other rows
  {
    name: 'findUnique product include category',
    read: (p, w, cache) => p.product.findUnique({ where: { id: w.apple.id }, include: { category: true }, cache }),
    change: 'category.update', write: renameCat,
    unrelatedChange: 'user.create', unrelated: createUser,
  },
  {
    name: 'findUnique user include referrals (self-relation)',
    read: (p, w, cache) => p.user.findUnique({ where: { id: w.alice }, include: { referrals: true }, cache }),
    change: 'user.update of the referral', write: (p, w) => p.user.update({ where: { id: w.bob }, data: { referrer: { disconnect: true } } }),
    unrelatedChange: 'order.create', unrelated: createOrder,
  },
  {
    name: 'findUnique category include parent (self-relation)',
    read: (p, w, cache) => p.category.findUnique({ where: { id: w.cat.id }, include: { parent: true }, cache }),
    change: 'category.update of the parent', write: (p, w) => p.category.update({ where: { id: w.parent.id }, data: { name: `${w.prefix}a-renamed` } }),
    unrelatedChange: 'product.update', unrelated: renameApple,
  },
  {
    name: 'findUnique user select _count referrals (self-relation)',
    read: (p, w, cache) => p.user.findUnique({ where: { id: w.alice }, select: { id: true, _count: { select: { referrals: true } } }, cache }),
    change: 'user.create referred by it', write: (p, w) => p.user.create({ data: { email: `${w.prefix}new-${++seq}@example.com`, name: 'New', referrerId: w.alice } }),
    unrelatedChange: 'order.create', unrelated: createOrder,
  },
]

describe.each(CLUSTER_KINDS)('read dependencies on the %s store', (kind: StoreKind) => {
  let prisma: CachedClient
  beforeAll(() => {
    prisma = cachedClient(db, kind).prisma
  })

  it.each(CASES.map((c) => [c.name, c.change, c] as const))('%s is fresh after %s', async (_name, _change, c) => {
    const w = await makeWorld()
    const read = (cache: boolean) => c.read(prisma, w, cache).withCacheInfo()
    const before = await read(true)
    expect(before.info.status).toBe('miss')
    expect((await read(true)).info.status).toBe('hit')
    await c.write(prisma, w)
    db.executions.reset()
    const after = await read(true)
    expect(after.info.status).toBe('miss')
    expect(db.executions.reads).toBeGreaterThan(0)
    const uncached = await read(false)
    expect(uncached.info.status).toBe('bypass')
    expect(after.data).toEqual(uncached.data)
    expect(after.data, 'the write changed what the read returns').not.toEqual(before.data)
    await c.sql?.(after.data, w)
    expect((await read(true)).info.status).toBe('hit')
  })

  it.each(CASES.map((c) => [c.name, c.unrelatedChange, c] as const))('%s stays a hit after %s', async (_name, _change, c) => {
    const w = await makeWorld()
    const read = () => c.read(prisma, w, true).withCacheInfo()
    const before = await read()
    expect((await read()).info.status).toBe('hit')
    await c.unrelated(prisma, w)
    db.executions.reset()
    const after = await read()
    expect(after.info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
    expect(after.data).toEqual(before.data)
  })
})

/**
 * The link table of an implicit many-to-many relation is a dependency of its own: every Prisma
 * write to a link also bumps Post or Tag, but a raw write to `_PostToTag` under `raw: 'by-table'`
 * bumps the link alone.
 */
describe.each(CLUSTER_KINDS)('the many-to-many link as a dependency on the %s store', (kind: StoreKind) => {
  it('a raw write to the join table makes reads that cross the link fresh, and no others', async () => {
    const { prisma } = cachedClient(db, kind, { raw: 'by-table' })
    const w = await makeWorld()
    const crossing = [
      () => prisma.post.findMany({ where: postsOf(w), include: { tags: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo(),
      () => prisma.tag.findMany({ where: { name: { startsWith: w.prefix } }, include: { posts: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo(),
      () => prisma.user.findMany({ where: usersOf(w), include: { posts: { include: { tags: true } } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo(),
      () => prisma.post.count({ where: { ...postsOf(w), tags: { some: {} } }, cache: true }).withCacheInfo(),
    ]
    const notCrossing = [
      () => prisma.post.findMany({ where: postsOf(w), orderBy: { id: 'asc' }, cache: true }).withCacheInfo(),
      () => prisma.tag.findMany({ where: { name: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo(),
    ]
    const before = await Promise.all(crossing.map((read) => read()))
    for (const read of [...crossing, ...notCrossing]) await read()
    for (const read of [...crossing, ...notCrossing]) expect((await read()).info.status).toBe('hit')
    await prisma.$executeRaw(sql`INSERT INTO "_PostToTag" ("A", "B") VALUES (${w.post2}, ${w.tag2.id})`)
    for (const [i, read] of crossing.entries()) {
      const after = await read()
      expect(after.info.status).toBe('miss')
      expect(after.data).not.toEqual(before[i]!.data)
    }
    const [posts] = await Promise.all([crossing[0]!()])
    const links = await db.sql<{ B: number }>('SELECT "B" FROM "_PostToTag" WHERE "A" = $1', [w.post2])
    expect((posts!.data as { id: number; tags: { id: number }[] }[]).find((p) => p.id === w.post2)?.tags.map((t) => t.id)).toEqual(links.map((l) => l.B))
    db.executions.reset()
    for (const read of notCrossing) expect((await read()).info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
  })
})
