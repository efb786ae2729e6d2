/**
 * The public typing of withAccelerate(), checked by `tsc -p tsconfig.json --noEmit`: reads take
 * Accelerate's `cacheStrategy` (a typo is an error), keep their Prisma result types and offer
 * `withAccelerateInfo()`; `$accelerate` resolves `{ requestId }`. Nothing here runs.
 */
import { describe, expectTypeOf, it } from 'vitest'
import { withAccelerate, type AccelerateInfo } from '../../src/accelerate/index.js'
import type { CacheInfo } from '../../src/index.js'
import type { Order, PrismaClient, User } from '../generated/prisma/client.js'

function _extend(client: PrismaClient) {
  return client.$extends(withAccelerate())
}
declare const prisma: ReturnType<typeof _extend>

describe('withAccelerate() typing', () => {
  it('accepts cacheStrategy on each of the eight reads', () => {
    void prisma.user.findUnique({ where: { id: 1 }, cacheStrategy: { ttl: 60 } })
    void prisma.user.findUniqueOrThrow({ where: { id: 1 }, cacheStrategy: { ttl: 60, swr: 30 } })
    void prisma.user.findFirst({ cacheStrategy: { swr: 10 } })
    void prisma.user.findFirstOrThrow({ cacheStrategy: { ttl: 5, tags: ['users'] } })
    void prisma.user.findMany({ where: { name: 'a' }, cacheStrategy: { ttl: 30, swr: 5, tags: ['users', 'list_1'] } })
    void prisma.user.count({ cacheStrategy: { ttl: 1 } })
    void prisma.order.aggregate({ _sum: { total: true }, cacheStrategy: { ttl: 10, tags: ['dashboard'] } })
    void prisma.user.groupBy({ by: ['role'], _count: true, cacheStrategy: { ttl: 1 } })
  })

  it('accepts readonly tag arrays and a strategy kept in a variable', () => {
    const tags = ['a', 'b'] as const
    void prisma.user.findMany({ cacheStrategy: { ttl: 1, tags } })
    const strategy = { ttl: 60, swr: 60, tags: ['x'] as readonly string[] } as const
    void prisma.user.findMany({ cacheStrategy: strategy })
    void prisma.$accelerate.invalidate({ tags })
  })

  it('keeps the cache extension surface: cache, withCacheInfo(), $cache', () => {
    expectTypeOf(prisma.user.findMany({ cache: { ttl: 5 } }).withCacheInfo()).resolves.toEqualTypeOf<{ data: User[]; info: CacheInfo }>()
    expectTypeOf(prisma.$cache.invalidate({ models: ['User'] })).resolves.toEqualTypeOf<void>()
  })

  it('keeps the result types of plain Prisma', () => {
    expectTypeOf(prisma.user.findMany({ cacheStrategy: { ttl: 1 } })).resolves.toEqualTypeOf<User[]>()
    expectTypeOf(prisma.user.findUnique({ where: { id: 1 }, cacheStrategy: { ttl: 1 } })).resolves.toEqualTypeOf<User | null>()
    expectTypeOf(prisma.user.findUniqueOrThrow({ where: { id: 1 }, cacheStrategy: { ttl: 1 } })).resolves.toEqualTypeOf<User>()
    expectTypeOf(prisma.user.count({ cacheStrategy: { ttl: 1 } })).resolves.toEqualTypeOf<number>()
    expectTypeOf(prisma.user.findMany({ select: { id: true }, cacheStrategy: { ttl: 1 } })).resolves.toEqualTypeOf<{ id: number }[]>()
    expectTypeOf(prisma.order.findFirst({ cacheStrategy: { ttl: 1 } })).resolves.toEqualTypeOf<Order | null>()
  })

  it('adds withAccelerateInfo() with the data and an AccelerateInfo (possibly null), as Accelerate types it', () => {
    expectTypeOf(prisma.user.findMany({ cacheStrategy: { ttl: 1 } }).withAccelerateInfo()).resolves.toEqualTypeOf<{ data: User[]; info: AccelerateInfo | null }>()
    expectTypeOf(prisma.user.count().withAccelerateInfo()).resolves.toEqualTypeOf<{ data: number; info: AccelerateInfo | null }>()
    expectTypeOf<AccelerateInfo['cacheStatus']>().toEqualTypeOf<'ttl' | 'swr' | 'miss' | 'none'>()
    expectTypeOf<AccelerateInfo['lastModified']>().toEqualTypeOf<Date>()
  })

  it('types $accelerate as Accelerate does', () => {
    expectTypeOf(prisma.$accelerate.invalidate({ tags: ['users'] })).resolves.toEqualTypeOf<{ requestId: string }>()
    expectTypeOf(prisma.$accelerate.invalidateAll()).resolves.toEqualTypeOf<{ requestId: string }>()
    // @ts-expect-error -- tags are required
    void prisma.$accelerate.invalidate({})
  })

  it('rejects a typo or a wrong type inside cacheStrategy', () => {
    // @ts-expect-error -- `tll` is not a cacheStrategy option
    void prisma.user.findMany({ cacheStrategy: { tll: 5 } })
    // @ts-expect-error -- ttl is a number of seconds
    void prisma.user.findMany({ cacheStrategy: { ttl: '5' } })
    // @ts-expect-error -- tags are strings
    void prisma.user.findMany({ cacheStrategy: { tags: [1] } })
    // @ts-expect-error -- `cacheStrategey` is not an argument
    void prisma.user.findMany({ cacheStrategey: { ttl: 5 } })
  })

  it('rejects cacheStrategy on writes', () => {
    // @ts-expect-error -- writes are never cached
    void prisma.user.create({ data: { email: 'a@x', name: 'a' }, cacheStrategy: { ttl: 5 } })
    // @ts-expect-error -- writes are never cached
    void prisma.user.deleteMany({ cacheStrategy: { ttl: 5 } })
  })

  it('gives interactive transaction clients the same reads', () => {
    expectTypeOf(prisma.$transaction(async (tx) => tx.user.findMany({ cacheStrategy: { ttl: 1 } }))).resolves.toEqualTypeOf<User[]>()
    expectTypeOf(prisma.$transaction([prisma.user.count({ cacheStrategy: { ttl: 1 } }), prisma.user.findMany()])).resolves.toEqualTypeOf<[number, User[]]>()
  })
})
