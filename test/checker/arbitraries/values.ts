/**
 * Small pools of field values: unique fields collide with existing rows on purpose, and every
 * exact type of the schema appears (Decimal as text, BigInt beyond 2^53, bytes, Json, Date, enums).
 */
import fc from 'fast-check'
import type { DatasetSizes } from '../dataset.js'

/** Value arbitraries for one dataset's id ranges. */
export function values(ids: DatasetSizes) {
  const id = (max: number) => fc.integer({ min: 1, max })
  const ids2 = (max: number) => fc.uniqueArray(id(max), { minLength: 1, maxLength: 3 })
  return {
    userId: id(ids.users),
    userIds: ids2(ids.users),
    categoryId: id(ids.categories),
    productId: id(ids.products),
    productIds: ids2(ids.products),
    orderId: id(ids.orders),
    /** Seeded order items have ids 1..2×orders. */
    orderItemId: id(ids.orders * 2),
    postId: id(ids.posts),
    postIds: ids2(ids.posts),
    tagId: id(ids.tags),
    tagIds: ids2(ids.tags),
    email: id(ids.users + 2).map((i) => `u${i}@shop.test`),
    sku: id(ids.products + 2).map((i) => `sku${i}`),
    categoryName: id(ids.categories + 2).map((i) => `cat${i}`),
    tagName: id(ids.tags + 2).map((i) => `tag${i}`),
    name: fc.constantFrom('Ann', 'Bob', 'User 1', 'User 2', 'Zed'),
    title: fc.constantFrom('Hello', 'Post 1', 'Post 2', 'Zebra'),
    bio: fc.constantFrom('bio 2', 'bio x', null),
    role: fc.constantFrom('CUSTOMER', 'ADMIN'),
    status: fc.constantFrom('DRAFT', 'PUBLISHED', 'ARCHIVED'),
    price: fc.constantFrom('0.99', '3.50', '12.34', '99999.99'),
    stock: fc.constantFrom(0n, 7n, 9007199254740993n, 9007199254740999n),
    image: fc.constantFrom(new Uint8Array([1, 2, 3]), new Uint8Array([]), new Uint8Array([255, 0, 128])),
    attributes: fc.constantFrom<unknown>({ color: 'c1' }, { color: 'c9', sizes: ['S'] }, [1, 'two', null], { __proto__x: true }),
    date: fc.constantFrom(new Date('2024-06-03T00:00:00Z'), new Date('2025-01-01T12:34:56.789Z')),
    quantity: fc.integer({ min: 1, max: 3 }),
    total: fc.constantFrom('10.99', '30.00', '45.50'),
    published: fc.boolean(),
  }
}

export type Values = ReturnType<typeof values>
