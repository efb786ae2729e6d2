/**
 * What the reads of each model may look like: unique lookups, nested include/select (with
 * `_count`), relation filters (`some`/`none`/`every`/`is`), relation `orderBy`, aggregates and
 * groupBys. Every list order ends with `id: 'asc'` and every nested list is ordered, so a cached
 * result and the database's are comparable element by element.
 */
import fc from 'fast-check'
import { provider } from '../../helpers/provider.js'
import { record } from './helpers.js'
import type { Args, ModelName } from '../operations.js'
import type { Values } from './values.js'

/** The building blocks of one model's reads. */
export interface ReadShape {
  unique: fc.Arbitrary<Args>
  /** `{ include }` or `{ select }` objects. */
  projections: Args[]
  wheres: fc.Arbitrary<Args>
  orderBys: Args[][]
  aggregates: Args[]
  /** `{ by, ..., orderBy }`. */
  groupBys: Args[]
}

const byId = { orderBy: { id: 'asc' } }
const idAsc = { id: 'asc' }

/** The read shapes of every model. */
export function readShapes(v: Values): Record<ModelName, ReadShape> {
  return {
    user: {
      unique: fc.oneof(v.userId.map((id) => ({ id })), v.email.map((email) => ({ email })), record({ id: v.userId, role: v.role })),
      projections: [
        { include: { profile: true } },
        { include: { posts: { ...byId, include: { tags: byId } } } },
        { include: { orders: { ...byId, include: { items: { ...byId, include: { product: { select: { id: true, sku: true, price: true, stock: true } } } } } } } },
        { include: { referrer: true, referrals: { ...byId, select: { id: true, name: true } } } },
        { include: { _count: true } },
        { include: { _count: { select: { posts: true, orders: { where: { total: { gt: '30' } } } } } } },
        { select: { name: true, posts: { ...byId, where: { published: true }, select: { id: true, title: true } } } },
      ],
      wheres: fc.oneof(
        fc.constant({}),
        v.role.map((role) => ({ role })),
        v.userIds.map((ids) => ({ id: { in: ids } })),
        fc.constant({ posts: { some: { published: true } } }),
        fc.constant({ posts: { none: {} } }),
        fc.constant({ posts: { every: { published: true } } }),
        v.productId.map((productId) => ({ orders: { some: { items: { some: { productId } } } } })),
        fc.constant({ profile: { is: { bio: { contains: '2' } } } }),
        fc.constant({ profile: { is: null } }),
        v.role.map((role) => ({ referrer: { is: { role } } })),
        fc.constant({ referrals: { some: {} } }),
        v.tagId.map((id) => ({ OR: [{ role: 'ADMIN' }, { posts: { some: { tags: { some: { id } } } } }] })),
      ),
      orderBys: [[idAsc], [{ referrer: { name: 'asc' } }, idAsc], [{ profile: { bio: 'desc' } }, idAsc], [{ posts: { _count: 'desc' } }, idAsc]],
      aggregates: [{ _count: { _all: true, referrerId: true }, _max: { id: true, createdAt: true }, _min: { email: true } }],
      groupBys: [
        { by: ['role'], _count: { _all: true }, _max: { id: true }, orderBy: { role: 'asc' } },
        { by: ['referrerId'], _count: { _all: true }, orderBy: { referrerId: 'asc' } },
      ],
    },
    profile: {
      unique: fc.oneof(v.userId.map((id) => ({ id })), v.userId.map((userId) => ({ userId }))),
      projections: [{ include: { user: true } }, { include: { user: { include: { posts: byId } } } }],
      wheres: fc.oneof(fc.constant({}), v.role.map((role) => ({ user: { is: { role } } })), fc.constant({ bio: { contains: 'x' } }), v.userIds.map((ids) => ({ userId: { in: ids } }))),
      orderBys: [[idAsc], [{ user: { email: 'desc' } }, idAsc]],
      aggregates: [{ _count: { _all: true, bio: true }, _max: { userId: true } }],
      groupBys: [{ by: ['bio'], _count: { _all: true }, orderBy: { bio: 'asc' } }],
    },
    category: {
      unique: fc.oneof(v.categoryId.map((id) => ({ id })), v.categoryName.map((name) => ({ name }))),
      projections: [
        { include: { products: { ...byId, select: { id: true, price: true, status: true } } } },
        { include: { children: byId, parent: true } },
        { include: { _count: true } },
        { include: { parent: { include: { products: byId } } } },
      ],
      wheres: fc.oneof(
        fc.constant({}),
        fc.constant({ parentId: 1 }),
        fc.constant({ parent: { is: null } }),
        v.status.map((status) => ({ products: { some: { status } } })),
        fc.constant({ products: { none: {} } }),
        fc.constant({ children: { some: {} } }),
      ),
      orderBys: [[idAsc], [{ parent: { name: 'asc' } }, idAsc], [{ products: { _count: 'asc' } }, idAsc]],
      aggregates: [{ _count: { _all: true, parentId: true }, _max: { name: true } }],
      groupBys: [{ by: ['parentId'], _count: { _all: true }, orderBy: { parentId: 'asc' } }],
    },
    product: {
      unique: fc.oneof(v.productId.map((id) => ({ id })), v.sku.map((sku) => ({ sku }))),
      projections: [
        { include: { category: true } },
        { include: { category: { include: { parent: true } } } },
        { include: { orderItems: { ...byId, include: { order: true } } } },
        { include: { _count: { select: { orderItems: true } } } },
        { select: { sku: true, stock: true, category: { select: { name: true } } } },
      ],
      wheres: fc.oneof(
        fc.constant({}),
        v.categoryId.map((categoryId) => ({ categoryId })),
        fc.constant({ categoryId: null }),
        v.categoryName.map((name) => ({ category: { is: { name } } })),
        fc.constant({ category: { is: { parent: { is: { id: 1 } } } } }),
        v.status.map((status) => ({ status })),
        v.price.map((price) => ({ price: { gt: price } })),
        v.stock.map((stock) => ({ stock: { gte: stock } })),
        fc.constant({ orderItems: { some: { quantity: { gt: 1 } } } }),
        fc.constant({ orderItems: { none: {} } }),
        fc.constant({ attributes: { path: provider === 'postgres' ? ['color'] : '$.color', equals: 'c1' } }), // Json paths: an array on PostgreSQL, a JSON path string on MySQL and SQLite
        v.date.map((date) => ({ releasedAt: { lt: date } })),
      ),
      orderBys: [[idAsc], [{ category: { name: 'asc' } }, idAsc], [{ price: 'desc' }, idAsc], [{ orderItems: { _count: 'desc' } }, idAsc]],
      aggregates: [{ _sum: { price: true, stock: true }, _avg: { price: true }, _min: { releasedAt: true }, _max: { price: true }, _count: { _all: true, image: true } }],
      groupBys: [
        { by: ['status'], _sum: { stock: true }, _count: { _all: true }, orderBy: { status: 'asc' } },
        { by: ['categoryId'], _avg: { price: true }, orderBy: { categoryId: 'asc' } },
        { by: ['categoryId', 'status'], _count: { id: true }, having: { price: { _max: { gt: '5' } } }, orderBy: [{ categoryId: 'asc' }, { status: 'asc' }] },
      ],
    },
    order: {
      unique: v.orderId.map((id) => ({ id })),
      projections: [
        { include: { items: { ...byId, include: { product: { include: { category: true } } } } } },
        { include: { user: true } },
        { include: { user: { include: { profile: true } }, _count: true } },
      ],
      wheres: fc.oneof(
        fc.constant({}),
        v.userId.map((userId) => ({ userId })),
        v.role.map((role) => ({ user: { is: { role } } })),
        v.productId.map((productId) => ({ items: { some: { productId } } })),
        fc.constant({ items: { every: { quantity: { gte: 2 } } } }),
        v.total.map((total) => ({ total: { gte: total } })),
      ),
      orderBys: [[idAsc], [{ user: { email: 'asc' } }, idAsc], [{ total: 'desc' }, idAsc]],
      aggregates: [{ _sum: { total: true }, _avg: { total: true }, _count: { _all: true }, _max: { placedAt: true } }],
      groupBys: [{ by: ['userId'], _sum: { total: true }, _count: { _all: true }, orderBy: { userId: 'asc' } }],
    },
    orderItem: {
      unique: fc.oneof(v.orderItemId.map((id) => ({ id })), record({ orderId: v.orderId, productId: v.productId }).map((k) => ({ orderId_productId: k }))),
      projections: [{ include: { product: true } }, { include: { order: { include: { user: true } } } }],
      wheres: fc.oneof(
        fc.constant({}),
        v.orderId.map((orderId) => ({ orderId })),
        v.productId.map((productId) => ({ productId })),
        v.userId.map((userId) => ({ order: { is: { userId } } })),
        v.status.map((status) => ({ product: { is: { status } } })),
      ),
      orderBys: [[idAsc], [{ product: { price: 'desc' } }, idAsc], [{ quantity: 'asc' }, idAsc]],
      aggregates: [{ _sum: { quantity: true }, _count: { _all: true } }],
      groupBys: [{ by: ['productId'], _sum: { quantity: true }, orderBy: { productId: 'asc' } }],
    },
    post: {
      unique: v.postId.map((id) => ({ id })),
      projections: [
        { include: { tags: byId } },
        { include: { author: true } },
        { include: { author: { include: { profile: true } }, tags: { ...byId, where: { name: { in: ['tag1', 'tag2'] } } } } },
        { include: { _count: { select: { tags: true } } } },
      ],
      wheres: fc.oneof(
        fc.constant({}),
        v.userId.map((authorId) => ({ authorId })),
        v.published.map((published) => ({ published })),
        v.tagId.map((id) => ({ tags: { some: { id } } })),
        fc.constant({ tags: { none: {} } }),
        fc.constant({ tags: { every: { name: { startsWith: 'tag' } } } }),
        fc.constant({ author: { is: { role: 'ADMIN' } } }),
      ),
      orderBys: [[idAsc], [{ author: { name: 'asc' } }, idAsc], [{ tags: { _count: 'desc' } }, idAsc]],
      aggregates: [{ _count: { _all: true }, _max: { title: true } }],
      groupBys: [
        { by: ['published'], _count: { _all: true }, orderBy: { published: 'asc' } },
        { by: ['authorId'], _count: { id: true }, orderBy: { authorId: 'asc' } },
      ],
    },
    tag: {
      unique: fc.oneof(v.tagId.map((id) => ({ id })), v.tagName.map((name) => ({ name }))),
      projections: [
        { include: { posts: { ...byId, include: { author: true } } } },
        { include: { _count: true } },
        { include: { posts: { ...byId, where: { published: true }, select: { id: true, title: true } } } },
      ],
      wheres: fc.oneof(
        fc.constant({}),
        fc.constant({ posts: { some: { published: true } } }),
        fc.constant({ posts: { none: {} } }),
        v.userId.map((id) => ({ posts: { some: { author: { is: { id } } } } })),
        fc.constant({ name: { in: ['tag1', 'tag3', 'tag9'] } }),
      ),
      orderBys: [[idAsc], [{ posts: { _count: 'desc' } }, idAsc], [{ name: 'desc' }, idAsc]],
      aggregates: [{ _count: { _all: true }, _min: { name: true } }],
      groupBys: [{ by: ['name'], _count: { _all: true }, where: { posts: { some: {} } }, orderBy: { name: 'asc' } }],
    },
  }
}
