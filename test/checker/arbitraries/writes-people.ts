/**
 * Writes of users, profiles, posts and tags: every write operation, nested writes at depth
 * (profile upsert, post create with tag links, order with items), the self relation, the
 * posts↔tags implicit many-to-many (`set`/`connect`/`disconnect`/`connectOrCreate`), and deletes
 * that cascade (user → profile, orders → items, posts → links).
 */
import fc from 'fast-check'
import type { ModelName, WriteSpec } from '../operations.js'
import type { Values } from './values.js'
import { idsOf, maybeOne, merge, modelWrites, record, someOf } from './helpers.js'

/** Write arbitraries of the people side of the shop. */
export function peopleWrites(v: Values): Partial<Record<ModelName, fc.Arbitrary<WriteSpec>>> {
  const newUser = record({ id: v.userId, email: v.email, name: v.name, role: v.role })
  const userWhere = fc.oneof(v.userId.map((id) => ({ id })), v.email.map((email) => ({ email })))
  const newPost = record({ id: v.postId, title: v.title, tags: v.tagIds }).map((p) => ({ id: p.id, title: p.title, tags: { connect: idsOf(p.tags) } }))
  const newOrder = record({ id: v.orderId, total: v.total, productId: v.productId, quantity: v.quantity })
    .map((o) => ({ id: o.id, total: o.total, items: { create: [{ productId: o.productId, quantity: o.quantity }] } }))
  const user = modelWrites('user', {
    create: merge({}, newUser, maybeOne(
      v.userId.map((referrerId) => ({ referrerId })),
      v.bio.map((bio) => ({ profile: { create: { bio } } })),
      newPost.map((post) => ({ posts: { create: [post] } })),
      newOrder.map((order) => ({ orders: { create: [order] } })),
    )).map((data) => ({ data })),
    createMany: record({ data: fc.array(newUser, { minLength: 1, maxLength: 3 }), skipDuplicates: fc.boolean() }),
    createManyAndReturn: record({ data: fc.array(newUser, { minLength: 1, maxLength: 2 }) }),
    update: fc.oneof(
      { weight: 9, arbitrary: record({
        where: userWhere,
        data: merge({ name: 'Ann' }, someOf({ name: v.name, role: v.role, email: v.email }), maybeOne(
          v.userId.map((referrerId) => ({ referrerId })),
          v.userId.map((id) => ({ referrer: { connect: { id } } })),
          fc.constant({ referrer: { disconnect: true } }),
          v.userId.map((id) => ({ referrals: { connect: { id } } })),
        ), maybeOne(
          v.bio.map((bio) => ({ profile: { upsert: { create: { bio }, update: { bio } } } })),
          fc.constant({ profile: { delete: true } }),
          newPost.map((post) => ({ posts: { create: post } })),
          fc.constant({ posts: { deleteMany: { published: false } } }),
          v.title.map((title) => ({ posts: { updateMany: { where: { published: false }, data: { title } } } })),
          v.postId.map((id) => ({ posts: { connect: { id } } })),
          fc.constant({ orders: { deleteMany: {} } }),
          newOrder.map((order) => ({ orders: { create: order } })),
          record({ id: v.orderId, total: v.total }).map((o) => ({ orders: { update: { where: { id: o.id }, data: { total: o.total } } } })),
        )),
      }) },
      // Moves the primary key: ON UPDATE CASCADE rewrites profile, orders, posts and referrals.
      { weight: 1, arbitrary: record({ where: v.userId.map((id) => ({ id })), data: v.userId.map((id) => ({ id })) }) },
    ),
    updateMany: record({
      where: fc.oneof(v.role.map((role) => ({ role })), v.userIds.map((ids) => ({ id: { in: ids } })), fc.constant({ posts: { some: { published: true } } })),
      data: fc.oneof(v.role.map((role) => ({ role })), v.name.map((name) => ({ name }))),
    }),
    updateManyAndReturn: record({ where: v.userIds.map((ids) => ({ id: { in: ids } })), data: v.name.map((name) => ({ name })) }),
    upsert: record({ where: userWhere, create: newUser, update: fc.oneof(v.name.map((name) => ({ name })), v.role.map((role) => ({ role }))) }),
    delete: record({ where: userWhere }),
    deleteMany: record({ where: v.userIds.map((ids) => ({ id: { in: ids } })) }),
  })

  const newProfile = record({ id: v.userId, userId: v.userId, bio: v.bio })
  const profileWhere = fc.oneof(v.userId.map((id) => ({ id })), v.userId.map((userId) => ({ userId })))
  const profile = modelWrites('profile', {
    create: newProfile.map((data) => ({ data })),
    createMany: record({ data: fc.array(newProfile, { minLength: 1, maxLength: 2 }), skipDuplicates: fc.boolean() }),
    createManyAndReturn: record({ data: fc.array(newProfile, { minLength: 1, maxLength: 2 }) }),
    update: record({ where: profileWhere, data: fc.oneof(v.bio.map((bio) => ({ bio })), v.userId.map((id) => ({ user: { connect: { id } } }))) }),
    updateMany: record({ where: fc.oneof(fc.constant({}), v.userIds.map((ids) => ({ userId: { in: ids } }))), data: v.bio.map((bio) => ({ bio })) }),
    updateManyAndReturn: record({ where: v.userIds.map((ids) => ({ userId: { in: ids } })), data: v.bio.map((bio) => ({ bio })) }),
    upsert: record({ userId: v.userId, bio: v.bio }).map(({ userId, bio }) => ({ where: { userId }, create: { id: userId, userId, bio }, update: { bio } })),
    delete: record({ where: profileWhere }),
    deleteMany: record({ where: fc.oneof(fc.constant({ bio: null }), v.userIds.map((ids) => ({ userId: { in: ids } }))) }),
  })

  const newPostRow = record({ id: v.postId, title: v.title, authorId: v.userId, published: v.published })
  const tagLinks = maybeOne(
    v.tagIds.map((ids) => ({ tags: { set: idsOf(ids) } })),
    fc.constant({ tags: { set: [] } }),
    v.tagIds.map((ids) => ({ tags: { connect: idsOf(ids) } })),
    v.tagIds.map((ids) => ({ tags: { disconnect: idsOf(ids) } })),
    record({ id: v.tagId, name: v.tagName }).map((t) => ({ tags: { connectOrCreate: { where: { name: t.name }, create: t } } })),
    record({ id: v.tagId, name: v.tagName }).map((t) => ({ tags: { create: t } })),
    v.tagName.map((name) => ({ tags: { deleteMany: { name } } })),
  )
  const post = modelWrites('post', {
    create: merge({}, newPostRow, maybeOne(v.tagIds.map((ids) => ({ tags: { connect: idsOf(ids) } })))).map((data) => ({ data })),
    createMany: record({ data: fc.array(newPostRow, { minLength: 1, maxLength: 3 }), skipDuplicates: fc.boolean() }),
    createManyAndReturn: record({ data: fc.array(newPostRow, { minLength: 1, maxLength: 2 }) }),
    update: record({
      where: v.postId.map((id) => ({ id })),
      data: merge({ published: true }, someOf({ title: v.title, published: v.published }), tagLinks, maybeOne(v.userId.map((id) => ({ author: { connect: { id } } })))),
    }),
    updateMany: record({ where: fc.oneof(v.userId.map((authorId) => ({ authorId })), v.published.map((published) => ({ published }))), data: fc.oneof(v.published.map((published) => ({ published })), v.title.map((title) => ({ title }))) }),
    updateManyAndReturn: record({ where: v.postIds.map((ids) => ({ id: { in: ids } })), data: v.published.map((published) => ({ published })) }),
    upsert: record({ id: v.postId, row: newPostRow, title: v.title }).map((u) => ({ where: { id: u.id }, create: { ...u.row, id: u.id }, update: { title: u.title, tags: { set: [] } } })),
    delete: record({ where: v.postId.map((id) => ({ id })) }),
    deleteMany: record({ where: fc.oneof(v.postIds.map((ids) => ({ id: { in: ids } })), v.userId.map((authorId) => ({ authorId }))) }),
  })

  const newTag = record({ id: v.tagId, name: v.tagName })
  const tagWhere = fc.oneof(v.tagId.map((id) => ({ id })), v.tagName.map((name) => ({ name })))
  const tag = modelWrites('tag', {
    create: merge({}, newTag, maybeOne(v.postIds.map((ids) => ({ posts: { connect: idsOf(ids) } })))).map((data) => ({ data })),
    createMany: record({ data: fc.array(newTag, { minLength: 1, maxLength: 2 }), skipDuplicates: fc.boolean() }),
    createManyAndReturn: record({ data: fc.array(newTag, { minLength: 1, maxLength: 2 }) }),
    update: record({
      where: tagWhere,
      data: fc.oneof(
        v.tagName.map((name) => ({ name })),
        v.postIds.map((ids) => ({ posts: { set: idsOf(ids) } })),
        v.postIds.map((ids) => ({ posts: { connect: idsOf(ids) } })),
        v.postIds.map((ids) => ({ posts: { disconnect: idsOf(ids) } })),
      ),
    }),
    updateMany: record({ where: v.tagIds.map((ids) => ({ id: { in: ids } })), data: v.tagName.map((name) => ({ name })) }),
    updateManyAndReturn: record({ where: v.tagIds.map((ids) => ({ id: { in: ids } })), data: v.tagName.map((name) => ({ name })) }),
    upsert: record({ where: tagWhere, create: newTag, update: v.tagName.map((name) => ({ name })) }),
    delete: record({ where: tagWhere }),
    deleteMany: record({ where: fc.oneof(v.tagIds.map((ids) => ({ id: { in: ids } })), fc.constant({ posts: { none: {} } })) }),
  })
  return { user, profile, post, tag }
}
