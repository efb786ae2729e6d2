/**
 * withAccelerate()'s public types against the declarations of `@prisma/extension-accelerate`
 * 3.x (a devDependency used only here and by test/accelerate/app.on-accelerate.ts): whatever
 * Accelerate's types accept, ours accept, and what ours return fits where Accelerate's did.
 */
import type * as Original from '@prisma/extension-accelerate'
import { describe, expectTypeOf, it } from 'vitest'
import { withAccelerate } from '../../src/index.js'
import type * as Ours from '../../src/accelerate/index.js'
import type { PrismaClient, User } from '../generated/prisma/client.js'

function _extend(client: PrismaClient) {
  return client.$extends(withAccelerate())
}
declare const prisma: ReturnType<typeof _extend>
declare const strategy: NonNullable<Original.PrismaCacheStrategy['cacheStrategy']>
declare const invalidation: Original.AccelerateInvalidateInput

describe('types shared with @prisma/extension-accelerate', () => {
  it('declares the same AccelerateInfo, cacheStrategy and invalidate input', () => {
    expectTypeOf<Ours.AccelerateInfo>().toEqualTypeOf<Original.AccelerateInfo>()
    expectTypeOf<Ours.PrismaCacheStrategy>().toEqualTypeOf<Original.PrismaCacheStrategy>()
    expectTypeOf<Ours.AccelerateInvalidateInput>().toEqualTypeOf<Original.AccelerateInvalidateInput>()
  })

  it('accepts the options Accelerate accepts (fetch)', () => {
    expectTypeOf<NonNullable<Parameters<typeof Original.withAccelerate>[0]>>().toExtend<Ours.WithAccelerateOptions>()
    void withAccelerate({ fetch: globalThis.fetch })
  })

  it('accepts every cacheStrategy and invalidate input Accelerate accepts', () => {
    void prisma.user.findMany({ cacheStrategy: strategy })
    void prisma.user.count({ cacheStrategy: strategy })
    void prisma.$accelerate.invalidate(invalidation)
  })

  it('returns promises that fit where an AcceleratePromise is expected', () => {
    const many: Original.AcceleratePromise<User[]> = prisma.user.findMany({ cacheStrategy: { ttl: 60 } })
    const one: Original.AcceleratePromise<User | null> = prisma.user.findUnique({ where: { id: 1 }, cacheStrategy: { ttl: 60 } })
    void many
    void one
    expectTypeOf(prisma.user.findMany().withAccelerateInfo()).toEqualTypeOf<ReturnType<Original.AcceleratePromise<User[]>['withAccelerateInfo']>>()
  })
})
