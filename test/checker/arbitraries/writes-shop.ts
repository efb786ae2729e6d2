/**
 * Writes of categories, products, orders and order items: every write operation, nested writes
 * (category ↔ products `set`/`connect`/`disconnect`, order items created/updated/upserted/deleted
 * through their order), category deletes that set products' and children's foreign keys to NULL,
 * order deletes that cascade to items, and product deletes that `Restrict` fails.
 */
import fc from 'fast-check'
import type { ModelName, WriteSpec } from '../operations.js'
import type { Values } from './values.js'
import { idsOf, maybeOne, merge, modelWrites, record, someOf } from './helpers.js'

/** Write arbitraries of the shop side. */
export function shopWrites(v: Values): Partial<Record<ModelName, fc.Arbitrary<WriteSpec>>> {
  const newCategory = record({ id: v.categoryId, name: v.categoryName })
  const categoryWhere = fc.oneof(v.categoryId.map((id) => ({ id })), v.categoryName.map((name) => ({ name })))
  const newProduct = record({
    id: v.productId, sku: v.sku, name: v.title, price: v.price, stock: v.stock, image: v.image,
    attributes: v.attributes, status: v.status, releasedAt: v.date,
  })
  const category = modelWrites('category', {
    create: merge({}, newCategory, maybeOne(v.categoryId.map((parentId) => ({ parentId })), v.productIds.map((ids) => ({ products: { connect: idsOf(ids) } }))))
      .map((data) => ({ data })),
    createMany: record({ data: fc.array(newCategory, { minLength: 1, maxLength: 2 }), skipDuplicates: fc.boolean() }),
    createManyAndReturn: record({ data: fc.array(newCategory, { minLength: 1, maxLength: 2 }) }),
    update: record({
      where: categoryWhere,
      data: merge({ name: 'cat1' }, someOf({ name: v.categoryName }), maybeOne(
        v.categoryId.map((parentId) => ({ parentId })),
        v.categoryId.map((id) => ({ parent: { connect: { id } } })),
        fc.constant({ parent: { disconnect: true } }),
        v.productIds.map((ids) => ({ products: { set: idsOf(ids) } })),
        v.productId.map((id) => ({ products: { connect: { id } } })),
        v.productIds.map((ids) => ({ products: { disconnect: idsOf(ids) } })),
        v.categoryId.map((id) => ({ children: { connect: { id } } })),
        v.status.map((status) => ({ products: { updateMany: { where: {}, data: { status } } } })),
        newProduct.map((p) => ({ products: { create: p } })),
      )),
    }),
    updateMany: record({ where: fc.oneof(fc.constant({ parentId: 1 }), v.categoryId.map((id) => ({ id }))), data: fc.constant({ parentId: null }) }),
    updateManyAndReturn: record({ where: v.categoryId.map((id) => ({ id: { gte: id } })), data: v.categoryId.map((parentId) => ({ parentId })) }),
    upsert: record({ where: categoryWhere, create: newCategory, update: v.categoryName.map((name) => ({ name })) }),
    delete: record({ where: categoryWhere }),
    deleteMany: record({ where: v.categoryId.map((id) => ({ id: { in: [id] } })) }),
  })

  const productWhere = fc.oneof(v.productId.map((id) => ({ id })), v.sku.map((sku) => ({ sku })))
  const product = modelWrites('product', {
    create: merge({}, newProduct, maybeOne(v.categoryId.map((categoryId) => ({ categoryId })))).map((data) => ({ data })),
    createMany: record({ data: fc.array(newProduct, { minLength: 1, maxLength: 2 }), skipDuplicates: fc.boolean() }),
    createManyAndReturn: record({ data: fc.array(newProduct, { minLength: 1, maxLength: 2 }) }),
    update: record({
      where: productWhere,
      data: merge({ stock: { increment: 1n } }, someOf({
        price: v.price, stock: fc.oneof(v.stock, fc.constant({ increment: 1n })), status: v.status, image: v.image,
        attributes: v.attributes, name: v.title, releasedAt: v.date,
      }), maybeOne(
        v.categoryId.map((categoryId) => ({ categoryId })),
        v.categoryId.map((id) => ({ category: { connect: { id } } })),
        fc.constant({ category: { disconnect: true } }),
        fc.constant({ orderItems: { deleteMany: {} } }),
        v.quantity.map((quantity) => ({ orderItems: { updateMany: { where: {}, data: { quantity } } } })),
      )),
    }),
    updateMany: record({
      where: fc.oneof(v.categoryId.map((categoryId) => ({ categoryId })), v.status.map((status) => ({ status })), v.productIds.map((ids) => ({ id: { in: ids } }))),
      data: fc.oneof(v.status.map((status) => ({ status })), v.price.map((price) => ({ price })), fc.constant({ stock: { increment: 1n } })),
    }),
    updateManyAndReturn: record({ where: v.productIds.map((ids) => ({ id: { in: ids } })), data: v.price.map((price) => ({ price })) }),
    upsert: record({ sku: v.sku, create: newProduct, price: v.price }).map((u) => ({ where: { sku: u.sku }, create: { ...u.create, sku: u.sku }, update: { price: u.price } })),
    delete: record({ where: productWhere }),
    deleteMany: record({ where: v.productIds.map((ids) => ({ id: { in: ids } })).chain((w) => fc.constantFrom(w, { ...w, orderItems: { none: {} } })) }),
  })

  const newOrderRow = record({ id: v.orderId, userId: v.userId, total: v.total })
  const item = record({ productId: v.productId, quantity: v.quantity })
  const order = modelWrites('order', {
    create: record({ row: newOrderRow, items: fc.uniqueArray(item, { maxLength: 2, selector: (i) => i.productId }) })
      .map(({ row, items }) => ({ data: { ...row, ...(items.length > 0 && { items: { create: items } }) } })),
    createMany: record({ data: fc.array(newOrderRow, { minLength: 1, maxLength: 2 }), skipDuplicates: fc.boolean() }),
    createManyAndReturn: record({ data: fc.array(newOrderRow, { minLength: 1, maxLength: 2 }) }),
    update: record({
      where: v.orderId.map((id) => ({ id })),
      data: fc.oneof(
        v.total.map((total) => ({ total })),
        v.userId.map((id) => ({ user: { connect: { id } } })),
        v.userId.map((userId) => ({ userId })),
        item.map((i) => ({ items: { create: i } })),
        fc.constant({ items: { deleteMany: {} } }),
        record({ productId: v.productId, quantity: v.quantity }).map((i) => ({ items: { updateMany: { where: { productId: i.productId }, data: { quantity: i.quantity } } } })),
        record({ id: v.orderItemId, item }).map((u) => ({ items: { upsert: { where: { id: u.id }, create: u.item, update: { quantity: u.item.quantity } } } })),
        v.orderItemId.map((id) => ({ items: { delete: { id } } })),
      ),
    }),
    updateMany: record({ where: v.userId.map((userId) => ({ userId })), data: v.total.map((total) => ({ total })) }),
    updateManyAndReturn: record({ where: v.userId.map((userId) => ({ userId })), data: v.total.map((total) => ({ total })) }),
    upsert: record({ row: newOrderRow, total: v.total }).map((u) => ({ where: { id: u.row.id }, create: u.row, update: { total: u.total } })),
    delete: record({ where: v.orderId.map((id) => ({ id })) }),
    deleteMany: record({ where: fc.oneof(v.userId.map((userId) => ({ userId })), v.orderId.map((id) => ({ id: { in: [id] } }))) }),
  })

  const newItem = record({ orderId: v.orderId, productId: v.productId, quantity: v.quantity })
  const pair = record({ orderId: v.orderId, productId: v.productId })
  const itemWhere = fc.oneof(v.orderItemId.map((id) => ({ id })), pair.map((k) => ({ orderId_productId: k })))
  const orderItem = modelWrites('orderItem', {
    create: newItem.map((data) => ({ data })),
    createMany: record({ data: fc.array(newItem, { minLength: 1, maxLength: 3 }), skipDuplicates: fc.boolean() }),
    createManyAndReturn: record({ data: fc.array(newItem, { minLength: 1, maxLength: 2 }) }),
    update: record({
      where: itemWhere,
      data: fc.oneof(v.quantity.map((quantity) => ({ quantity })), v.productId.map((id) => ({ product: { connect: { id } } })), v.productId.map((productId) => ({ productId }))),
    }),
    updateMany: record({ where: v.productId.map((productId) => ({ productId })), data: v.quantity.map((quantity) => ({ quantity })) }),
    updateManyAndReturn: record({ where: v.orderId.map((orderId) => ({ orderId })), data: v.quantity.map((quantity) => ({ quantity })) }),
    upsert: record({ key: pair, quantity: v.quantity }).map((u) => ({ where: { orderId_productId: u.key }, create: { ...u.key, quantity: u.quantity }, update: { quantity: { increment: 1 } } })),
    delete: record({ where: itemWhere }),
    deleteMany: record({ where: fc.oneof(v.orderId.map((orderId) => ({ orderId })), v.productId.map((productId) => ({ productId }))) }),
  })
  return { category, product, order, orderItem }
}
