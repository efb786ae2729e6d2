/**
 * The public typing of the per-read `cache` option, checked by `tsc -p tsconfig.json --noEmit`.
 * Nothing here runs: the client is only declared.
 */
import { describe, expectTypeOf, it } from 'vitest'
import { cacheExtension, type CacheInfo } from '../../src/index.js'
import type { Post, PrismaClient, Profile, User } from '../generated/prisma/client.js'

function _extend(client: PrismaClient) {
  return client.$extends(cacheExtension())
}
declare const prisma: ReturnType<typeof _extend>

describe('cache option typing', () => {
  it('is accepted by each of the eight reads', () => {
    void prisma.user.findUnique({ where: { id: 1 }, cache: true })
    void prisma.user.findUniqueOrThrow({ where: { id: 1 }, cache: { ttl: 5 } })
    void prisma.user.findFirst({ cache: { swr: 10 } })
    void prisma.user.findFirstOrThrow({ cache: false })
    void prisma.user.findMany({ where: { name: 'a' }, cache: { ttl: 30, swr: 5, tags: ['users'], key: 'all-users' } })
    void prisma.user.count({ cache: true })
    void prisma.order.aggregate({ _sum: { total: true }, cache: { ttl: 10, tags: ['dashboard'] } })
    void prisma.user.groupBy({ by: ['role'], _count: true, cache: true })
  })

  it('keeps both typed forms of $transaction (the extension overrides it to invalidate on commit)', () => {
    expectTypeOf(prisma.$transaction([prisma.user.count({ cache: true }), prisma.user.findMany()])).resolves.toEqualTypeOf<[number, User[]]>()
    expectTypeOf(prisma.$transaction(async (tx) => tx.user.findMany({ select: { id: true } }))).resolves.toEqualTypeOf<{ id: number }[]>()
    // @ts-expect-error -- an interactive transaction client cannot open another transaction client's $extends
    void prisma.$transaction(async (tx) => tx.$extends({}))
  })

  it('keeps the result types of plain Prisma', () => {
    expectTypeOf(prisma.user.findMany({ cache: true })).resolves.toEqualTypeOf<User[]>()
    expectTypeOf(prisma.user.findUnique({ where: { id: 1 }, cache: true })).resolves.toEqualTypeOf<User | null>()
    expectTypeOf(prisma.user.count({ cache: true })).resolves.toEqualTypeOf<number>()
    expectTypeOf(prisma.user.findMany({ select: { id: true }, cache: true })).resolves.toEqualTypeOf<{ id: number }[]>()
  })

  it('adds withCacheInfo() with the data and a CacheInfo', () => {
    expectTypeOf(prisma.user.findMany({ cache: true }).withCacheInfo()).resolves.toEqualTypeOf<{ data: User[]; info: CacheInfo }>()
    expectTypeOf<CacheInfo['status']>().toEqualTypeOf<'hit' | 'miss' | 'stale' | 'bypass' | 'error'>()
  })

  it('rejects a typo or a wrong type inside cache', () => {
    // @ts-expect-error -- `tll` is not a cache option
    void prisma.user.findMany({ cache: { tll: 5 } })
    // @ts-expect-error -- ttl is a number of seconds
    void prisma.user.findMany({ cache: { ttl: '5' } })
    // @ts-expect-error -- tags are strings
    void prisma.user.findMany({ cache: { tags: [1] } })
    // @ts-expect-error -- cache is a boolean or an object
    void prisma.user.findMany({ cache: 'yes' })
  })

  it('rejects cache on writes', () => {
    // @ts-expect-error -- writes are never cached
    void prisma.user.create({ data: { email: 'a@x', name: 'a' }, cache: true })
    // @ts-expect-error -- writes are never cached
    void prisma.user.update({ where: { id: 1 }, data: { name: 'b' }, cache: { ttl: 5 } })
    // @ts-expect-error -- writes are never cached
    void prisma.user.deleteMany({ cache: true })
  })

  it('still rejects unknown Prisma arguments next to cache', () => {
    // @ts-expect-error -- `wher` is not a Prisma argument
    void prisma.user.findMany({ wher: { id: 1 }, cache: true })
  })

  it("keeps Prisma's fluent API on the single-record reads, one relation deep", () => {
    expectTypeOf(prisma.user.findUnique({ where: { id: 1 }, cache: true }).posts()).resolves.toEqualTypeOf<Post[] | null>()
    expectTypeOf(prisma.user.findUniqueOrThrow({ where: { id: 1 } }).posts({ select: { id: true } })).resolves.toEqualTypeOf<{ id: number }[]>()
    expectTypeOf(prisma.user.findFirst({ cache: true }).profile()).resolves.toEqualTypeOf<Profile | null>()
    expectTypeOf(prisma.user.findFirstOrThrow().referrer()).resolves.toEqualTypeOf<User | null>()
    expectTypeOf(prisma.user.findUnique({ where: { id: 1 }, cache: true }).withCacheInfo()).resolves.toEqualTypeOf<{ data: User | null; info: CacheInfo }>()
    // @ts-expect-error -- `selcet` is not an argument of the relation
    void prisma.user.findUnique({ where: { id: 1 } }).posts({ selcet: { id: true } })
    // @ts-expect-error -- Prisma has no fluent API on lists
    void prisma.user.findMany().posts
  })
})
