/**
 * Referential actions (guarantee 4): a write invalidates every model its `onDelete`/`onUpdate`
 * actions change in PostgreSQL, transitively, and nothing its actions leave alone.
 *
 * The shop's actions: Profile.user, Order.user, Post.author and OrderItem.order are Cascade;
 * Product.category, Category.parent and User.referrer are SetNull; OrderItem.product is Restrict;
 * every onUpdate is Cascade (Prisma's default). SetDefault and NoAction do not occur. The implicit
 * many-to-many table _PostToTag cascades from both sides.
 *
 * Every read is scoped by scalar fields of its own model only, so it can only be fresh if the
 * cascade invalidated that model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheInfo } from '../../src/index.js'
import { cachedClient, STORE_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { provider, type Provider } from '../helpers/provider.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db?.drop())

let seq = 0

interface World {
  prefix: string
  /** alice: profile, order1 (2 × apple), post1 tagged tag1. bob: referred by alice, order2 (1 × pear), post2. */
  alice: number
  bob: number
  profile: number
  /** cat holds apple and pear and is the parent of sub; other holds plum (never ordered). */
  cat: number
  sub: number
  other: number
  apple: number
  pear: number
  plum: number
  order1: number
  order2: number
  item1: number
  post1: number
  post2: number
  tag1: number
}

async function makeWorld(): Promise<World> {
  const prefix = `c${++seq}-`
  const p = db.prisma
  const cat = await p.category.create({ data: { name: `${prefix}cat` } })
  const sub = await p.category.create({ data: { name: `${prefix}sub`, parentId: cat.id } })
  const other = await p.category.create({ data: { name: `${prefix}other` } })
  const apple = await p.product.create({ data: { sku: `${prefix}apple`, name: 'Apple', price: '10.00', categoryId: cat.id } })
  const pear = await p.product.create({ data: { sku: `${prefix}pear`, name: 'Pear', price: '20.00', categoryId: cat.id } })
  const plum = await p.product.create({ data: { sku: `${prefix}plum`, name: 'Plum', price: '30.00', categoryId: other.id } })
  const alice = await p.user.create({ data: { email: `${prefix}alice@example.com`, name: 'Alice', profile: { create: { bio: `${prefix}alice` } } }, include: { profile: true } })
  const bob = await p.user.create({ data: { email: `${prefix}bob@example.com`, name: 'Bob', referrerId: alice.id } })
  const order1 = await p.order.create({ data: { userId: alice.id, total: '50.00', items: { create: { productId: apple.id, quantity: 2 } } }, include: { items: true } })
  const order2 = await p.order.create({ data: { userId: bob.id, total: '150.00', items: { create: { productId: pear.id, quantity: 1 } } } })
  const tag1 = await p.tag.create({ data: { name: `${prefix}t1` } })
  const post1 = await p.post.create({ data: { title: `${prefix}p1`, authorId: alice.id, tags: { connect: { id: tag1.id } } } })
  const post2 = await p.post.create({ data: { title: `${prefix}p2`, authorId: bob.id } })
  return {
    prefix, alice: alice.id, bob: bob.id, profile: alice.profile!.id, cat: cat.id, sub: sub.id, other: other.id,
    apple: apple.id, pear: pear.id, plum: plum.id, order1: order1.id, order2: order2.id, item1: order1.items[0]!.id, post1: post1.id, post2: post2.id, tag1: tag1.id,
  }
}

type Answer = { withCacheInfo(): Promise<{ data: unknown; info: CacheInfo }> }
type Read = (p: CachedClient, w: World, cache: boolean) => Answer

const orders: Read = (p, w, cache) => p.order.findMany({ where: { id: { in: [w.order1, w.order2] } }, orderBy: { id: 'asc' }, cache })
const items: Read = (p, w, cache) => p.orderItem.findMany({ where: { productId: { in: [w.apple, w.pear] } }, orderBy: { id: 'asc' }, cache })
const item1: Read = (p, w, cache) => p.orderItem.findUnique({ where: { id: w.item1 }, cache })
const profiles: Read = (p, w, cache) => p.profile.findMany({ where: { bio: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const aliceProfile: Read = (p, w, cache) => p.profile.findUnique({ where: { id: w.profile }, cache })
const posts: Read = (p, w, cache) => p.post.findMany({ where: { title: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const bob: Read = (p, w, cache) => p.user.findUnique({ where: { id: w.bob }, cache })
const bobByEmail: Read = (p, w, cache) => p.user.findUnique({ where: { email: `${w.prefix}bob@example.com` }, cache })
const tags: Read = (p, w, cache) => p.tag.findMany({ where: { name: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const tagsWithPosts: Read = (p, w, cache) => p.tag.findMany({ where: { name: { startsWith: w.prefix } }, include: { posts: true }, orderBy: { id: 'asc' }, cache })
const tagPostCounts: Read = (p, w, cache) => p.tag.findMany({ where: { name: { startsWith: w.prefix } }, select: { id: true, _count: { select: { posts: true } } }, orderBy: { id: 'asc' }, cache })
const products: Read = (p, w, cache) => p.product.findMany({ where: { sku: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const apple: Read = (p, w, cache) => p.product.findUnique({ where: { id: w.apple }, cache })
const categories: Read = (p, w, cache) => p.category.findMany({ where: { name: { startsWith: w.prefix } }, orderBy: { id: 'asc' }, cache })
const sub: Read = (p, w, cache) => p.category.findUnique({ where: { id: w.sub }, cache })

interface Case {
  name: string
  write: (p: CachedClient, w: World) => Promise<unknown>
  /** Reads the referential actions change: each must be fresh. */
  fresh: [string, Read][]
  /** Reads the actions leave alone: each must stay a hit. */
  untouched: [string, Read][]
  /** What the database must show after the write (proves the action really ran). */
  sql?: (w: World) => Promise<void>
  /** Run before the reads are primed. */
  prepare?: (w: World) => Promise<void>
  /** The providers the case runs on (default: all). */
  providers?: Provider[]
}

/**
 * InnoDB (MySQL/MariaDB) does not cascade ON UPDATE through a self-relation (it acts as RESTRICT
 * when the cascade would update the table it started from), so on MySQL the key updates below run
 * on rows no self-relation points at, and {@link selfCascadeRefused} checks the refusal.
 */
const SELF_UPDATE_CASCADES: Provider[] = ['postgres', 'sqlite']

const count = async (text: string, params: unknown[]) => Number((await db.sql<{ n: number | string }>(`SELECT count(*) AS n FROM ${text}`, params))[0]!.n)

const CASES: Case[] = [
  {
    name: 'user.delete (Cascade to Profile, Order → OrderItem, Post → _PostToTag; SetNull on referrals)',
    write: (p, w) => p.user.delete({ where: { id: w.alice } }),
    fresh: [
      ['order.findMany', orders], ['orderItem.findMany (two levels down)', items], ['orderItem.findUnique (two levels down)', item1],
      ['profile.findMany', profiles], ['profile.findUnique', aliceProfile], ['post.findMany', posts],
      ['tag.findMany include posts (link of a cascaded post)', tagsWithPosts], ['tag _count posts', tagPostCounts],
      ['user.findUnique of the referral (SetNull)', bob], ['user.findUnique by email of the referral (SetNull)', bobByEmail],
    ],
    untouched: [['product.findMany', products], ['category.findMany', categories], ['tag.findMany', tags]],
    sql: async (w) => {
      expect(await count('"Order" WHERE "userId" = $1', [w.alice])).toBe(0)
      expect(await count('"OrderItem" WHERE id = $1', [w.item1])).toBe(0)
      expect(await count('"_PostToTag" WHERE "A" = $1', [w.post1])).toBe(0)
      expect(await count('"User" WHERE id = $1 AND "referrerId" IS NULL', [w.bob])).toBe(1)
    },
  },
  {
    name: 'user.deleteMany (the same actions from a bulk delete)',
    write: (p, w) => p.user.deleteMany({ where: { email: { startsWith: `${w.prefix}alice` } } }),
    fresh: [['order.findMany', orders], ['orderItem.findMany', items], ['profile.findUnique', aliceProfile], ['post.findMany', posts], ['tag.findMany include posts', tagsWithPosts], ['user.findUnique of the referral', bob]],
    untouched: [['product.findMany', products], ['tag.findMany', tags]],
  },
  {
    name: 'user.delete by unique email',
    write: (p, w) => p.user.delete({ where: { email: `${w.prefix}alice@example.com` } }),
    fresh: [['order.findMany', orders], ['orderItem.findUnique', item1], ['profile.findMany', profiles], ['user.findUnique of the referral', bob]],
    untouched: [['category.findMany', categories]],
  },
  {
    name: 'order.delete (Cascade to OrderItem)',
    write: (p, w) => p.order.delete({ where: { id: w.order1 } }),
    fresh: [['orderItem.findMany', items], ['orderItem.findUnique', item1]],
    untouched: [['user.findUnique', bob], ['product.findMany', products], ['profile.findMany', profiles]],
    sql: async (w) => expect(await count('"OrderItem" WHERE "orderId" = $1', [w.order1])).toBe(0),
  },
  {
    name: 'a nested orders.delete in user.update (Cascade to OrderItem)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { orders: { delete: { id: w.order1 } } } }),
    fresh: [['orderItem.findMany', items], ['orderItem.findUnique', item1]],
    untouched: [['product.findMany', products]],
  },
  {
    name: 'a nested orders.deleteMany at depth 2 (post → author → orders; Cascade to OrderItem)',
    write: (p, w) => p.post.update({ where: { id: w.post1 }, data: { author: { update: { orders: { deleteMany: {} } } } } }),
    fresh: [['orderItem.findMany', items], ['orderItem.findUnique', item1]],
    untouched: [['product.findMany', products], ['tag.findMany', tags]],
  },
  {
    name: 'category.delete (SetNull on Product.category and on Category.parent)',
    write: (p, w) => p.category.delete({ where: { id: w.cat } }),
    fresh: [['product.findMany', products], ['product.findUnique', apple], ['category.findUnique of the child (self-relation)', sub]],
    untouched: [['orderItem.findMany (SetNull does not go further)', items], ['order.findMany', orders], ['tag.findMany', tags]],
    sql: async (w) => {
      expect(await count('"Product" WHERE id IN ($1, $2) AND "categoryId" IS NULL', [w.apple, w.pear])).toBe(2)
      expect(await count('"Category" WHERE id = $1 AND "parentId" IS NULL', [w.sub])).toBe(1)
    },
  },
  {
    name: 'category.deleteMany (SetNull from a bulk delete)',
    write: (p, w) => p.category.deleteMany({ where: { id: w.cat } }),
    fresh: [['product.findUnique', apple], ['category.findUnique of the child', sub]],
    untouched: [['orderItem.findMany', items]],
  },
  {
    name: 'product.delete of a product nobody ordered (Restrict: no order item changes)',
    write: (p, w) => p.product.delete({ where: { id: w.plum } }),
    fresh: [['product.findMany', products]],
    untouched: [['orderItem.findMany', items], ['category.findMany', categories]],
  },
  {
    name: 'post.delete (Cascade on the implicit many-to-many link)',
    write: (p, w) => p.post.delete({ where: { id: w.post1 } }),
    fresh: [['tag.findMany include posts', tagsWithPosts], ['tag _count posts', tagPostCounts]],
    untouched: [['tag.findMany (tags themselves unchanged)', tags], ['user.findUnique', bob]],
    sql: async (w) => expect(await count('"_PostToTag" WHERE "B" = $1', [w.tag1])).toBe(0),
  },
  {
    name: 'tag.delete (Cascade on the implicit many-to-many link, other side)',
    write: (p, w) => p.tag.delete({ where: { id: w.tag1 } }),
    fresh: [['tag.findMany include posts', tagsWithPosts]],
    untouched: [['user.findUnique', bob], ['product.findMany', products]],
  },
  // onUpdate: Cascade (the default on every relation): changing a referenced key rewrites foreign keys
  {
    name: 'user.update of its id (onUpdate Cascade to Order, Post, Profile and referrals)',
    providers: SELF_UPDATE_CASCADES,
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { id: w.alice + 1_000_000 } }),
    fresh: [['order.findMany', orders], ['post.findMany', posts], ['profile.findUnique', aliceProfile], ['user.findUnique of the referral', bob]],
    untouched: [['product.findMany', products], ['tag.findMany', tags]],
    sql: async (w) => {
      expect(await count('"Order" WHERE "userId" = $1', [w.alice + 1_000_000])).toBe(1)
      expect(await count('"User" WHERE id = $1 AND "referrerId" = $2', [w.bob, w.alice + 1_000_000])).toBe(1)
    },
  },
  {
    name: 'user.update of the id of a user who referred no one (onUpdate Cascade to Order, Post, Profile)',
    providers: ['mysql'],
    prepare: (w) => db.prisma.user.update({ where: { id: w.bob }, data: { referrerId: null } }).then(() => undefined),
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { id: w.alice + 1_000_000 } }),
    fresh: [['order.findMany', orders], ['post.findMany', posts], ['profile.findUnique', aliceProfile]],
    untouched: [['product.findMany', products], ['tag.findMany', tags]],
    sql: async (w) => expect(await count('"Order" WHERE "userId" = $1', [w.alice + 1_000_000])).toBe(1),
  },
  {
    name: 'product.update of its id (onUpdate Cascade to OrderItem)',
    write: (p, w) => p.product.update({ where: { id: w.apple }, data: { id: w.apple + 1_000_000 } }),
    fresh: [['orderItem.findUnique', item1]],
    untouched: [['user.findUnique', bob], ['order.findMany', orders]],
  },
  {
    name: 'category.updateMany of its id (onUpdate Cascade to Product and child categories)',
    providers: SELF_UPDATE_CASCADES,
    write: (p, w) => p.category.updateMany({ where: { id: w.cat }, data: { id: w.cat + 1_000_000 } }),
    fresh: [['product.findMany', products], ['product.findUnique', apple], ['category.findUnique of the child', sub]],
    // (Order items are invalidated too, though only Product.categoryId changed: the onUpdate walk
    // recurses through Cascade relations as if the products' own keys had changed. Correct, not precise.)
    untouched: [['user.findUnique', bob], ['tag.findMany', tags]],
  },
  {
    name: 'category.updateMany of the id of a category with no children (onUpdate Cascade to Product)',
    providers: ['mysql'],
    prepare: (w) => db.prisma.category.update({ where: { id: w.sub }, data: { parentId: null } }).then(() => undefined),
    write: (p, w) => p.category.updateMany({ where: { id: w.cat }, data: { id: w.cat + 1_000_000 } }),
    fresh: [['product.findMany', products], ['product.findUnique', apple]],
    untouched: [['user.findUnique', bob], ['tag.findMany', tags]],
  },
  {
    name: 'order.update of its id (onUpdate Cascade to OrderItem)',
    write: (p, w) => p.order.update({ where: { id: w.order1 }, data: { id: w.order1 + 1_000_000 } }),
    fresh: [['orderItem.findUnique', item1], ['orderItem.findMany', items]],
    untouched: [['product.findMany', products]],
  },
  {
    name: 'a nested to-one user.update of its id in order.update (onUpdate Cascade to Post)',
    write: (p, w) => p.order.update({ where: { id: w.order2 }, data: { user: { update: { id: w.bob + 1_000_000 } } } }),
    fresh: [['post.findMany', posts]],
    untouched: [['product.findMany', products], ['tag.findMany', tags]],
    sql: async (w) => expect(await count('"Post" WHERE "authorId" = $1', [w.bob + 1_000_000])).toBe(1),
  },
  {
    name: 'a nested to-one author.upsert changing the id in post.update (onUpdate Cascade to Order)',
    write: (p, w) => p.post.update({ where: { id: w.post2 }, data: { author: { upsert: { create: { email: `${w.prefix}never@example.com`, name: 'Never' }, update: { id: w.bob + 1_000_000 } } } } }),
    fresh: [['order.findMany', orders]],
    untouched: [['product.findMany', products], ['tag.findMany', tags]],
    sql: async (w) => expect(await count('"Order" WHERE "userId" = $1', [w.bob + 1_000_000])).toBe(1),
  },
  {
    name: 'a nested to-many products.update of an id in category.update (onUpdate Cascade to OrderItem)',
    write: (p, w) => p.category.update({ where: { id: w.cat }, data: { products: { update: { where: { id: w.apple }, data: { id: w.apple + 1_000_000 } } } } }),
    fresh: [['orderItem.findUnique', item1], ['orderItem.findMany', items]],
    untouched: [['user.findUnique', bob], ['tag.findMany', tags]],
  },
  {
    name: 'a nested products.updateMany of an id in category.update (onUpdate Cascade to OrderItem)',
    write: (p, w) => p.category.update({ where: { id: w.cat }, data: { products: { updateMany: { where: { id: w.apple }, data: { id: w.apple + 1_000_000 } } } } }),
    fresh: [['orderItem.findUnique', item1]],
    untouched: [['user.findUnique', bob], ['tag.findMany', tags]],
  },
  {
    name: 'user.update of a field no foreign key references (no onUpdate action runs)',
    write: (p, w) => p.user.update({ where: { id: w.alice }, data: { name: 'Alicia', email: `${w.prefix}alicia@example.com` } }),
    fresh: [],
    untouched: [['order.findMany', orders], ['post.findMany', posts], ['profile.findUnique', aliceProfile], ['user.findUnique of the referral', bob]],
  },
]

describe.each(STORE_KINDS)('referential actions on the %s store', (kind: StoreKind) => {
  let prisma: CachedClient
  beforeAll(() => {
    prisma = cachedClient(db, kind).prisma
  })

  it.each(CASES.filter((c) => !c.providers || c.providers.includes(provider)).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const w = await makeWorld()
    await c.prepare?.(w)
    const before = new Map<string, unknown>()
    for (const [name, read] of [...c.fresh, ...c.untouched]) {
      before.set(name, (await read(prisma, w, true).withCacheInfo()).data)
      expect((await read(prisma, w, true).withCacheInfo()).info.status, `${name} is cached`).toBe('hit')
    }
    await c.write(prisma, w)
    await c.sql?.(w)
    for (const [name, read] of c.fresh) {
      db.executions.reset()
      const after = await read(prisma, w, true).withCacheInfo()
      expect(after.info.status, `${name} after the write`).toBe('miss')
      expect(db.executions.reads, `${name} queried the database`).toBeGreaterThan(0)
      const uncached = await read(prisma, w, false).withCacheInfo()
      expect(after.data, `${name} equals an uncached read`).toEqual(uncached.data)
      expect(after.data, `${name} changed (the action touched it)`).not.toEqual(before.get(name))
    }
    for (const [name, read] of c.untouched) {
      db.executions.reset()
      const after = await read(prisma, w, true).withCacheInfo()
      expect(after.info.status, `${name} stays a hit`).toBe('hit')
      expect(db.executions.total).toBe(0)
      expect(after.data, `${name} is still right`).toEqual((await read(prisma, w, false).withCacheInfo()).data)
    }
  })

  it.runIf(provider === 'mysql')('an id update InnoDB refuses (ON UPDATE CASCADE through a self-relation) changes nothing and invalidates nothing', async function selfCascadeRefused() {
    const w = await makeWorld()
    const reads: [string, Read][] = [['order.findMany', orders], ['user.findUnique of the referral', bob], ['category.findUnique of the child', sub]]
    for (const [, read] of reads) await read(prisma, w, true).withCacheInfo()
    await expect(prisma.user.update({ where: { id: w.alice }, data: { id: w.alice + 1_000_000 } })).rejects.toMatchObject({ code: 'P2003' })
    await expect(prisma.category.updateMany({ where: { id: w.cat }, data: { id: w.cat + 1_000_000 } })).rejects.toMatchObject({ code: 'P2003' })
    expect(await count('"User" WHERE id = $1', [w.alice])).toBe(1)
    db.executions.reset()
    for (const [name, read] of reads) expect((await read(prisma, w, true).withCacheInfo()).info.status, name).toBe('hit')
    expect(db.executions.total).toBe(0)
  })

  it('a delete rejected by Restrict changes nothing and invalidates nothing', async () => {
    const w = await makeWorld()
    const reads: [string, Read][] = [['product.findMany', products], ['product.findUnique', apple], ['orderItem.findMany', items]]
    for (const [, read] of reads) await read(prisma, w, true).withCacheInfo()
    await expect(prisma.product.delete({ where: { id: w.apple } })).rejects.toMatchObject({ code: 'P2003' })
    expect(await count('"Product" WHERE id = $1', [w.apple])).toBe(1)
    db.executions.reset()
    for (const [name, read] of reads) expect((await read(prisma, w, true).withCacheInfo()).info.status, name).toBe('hit')
    expect(db.executions.total).toBe(0)
  })
})
