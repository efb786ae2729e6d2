// providers: postgres — exercises the cache store, which does not depend on the database
/**
 * The key/value API of `prisma.$cache` on every store: values round-trip exactly and come back as
 * fresh copies, TTLs and tags work, counters count, and `getOrSet` is invalidated by writes to
 * what the Prisma reads inside it depended on.
 */
import { Decimal } from '@prisma/client/runtime/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheConfigError, CacheError, CacheNotIntegerError } from '../../src/index.js'
import { cachedClient, CLUSTER_KINDS, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { expectSameData } from '../helpers/exact.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db?.drop())

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(CLUSTER_KINDS)('$cache key/value API on the %s store', (kind: StoreKind) => {
  const client = () => cachedClient(db, kind).prisma

  it('set/get round-trip exact values, including ones only superjson knows, as fresh copies', async () => {
    const { $cache } = client()
    const value = { at: new Date(5), big: 2n ** 70n, price: new Decimal('1.10'), bytes: new Uint8Array([1, 2]), map: new Map([['a', 1]]), list: [1, null] }
    await $cache.set('value', value)
    const first = await $cache.get<typeof value>('value')
    expectSameData(first, value)
    expect(first!.map).toBeInstanceOf(Map)
    first!.list.push(3)
    first!.at.setTime(0)
    expectSameData(await $cache.get('value'), value)
    expect(await $cache.get('absent')).toBeUndefined()
  })

  it('has, delete, getMany, setMany and deleteMany report what exists', async () => {
    const { $cache } = client()
    await $cache.setMany({ a: 1, b: 'two', c: { three: 3 } })
    expect(await $cache.has('a')).toBe(true)
    expect(await $cache.getMany(['a', 'b', 'nope'])).toEqual(new Map<string, unknown>([['a', 1], ['b', 'two']]))
    expect(await $cache.delete('a')).toBe(true)
    expect(await $cache.delete('a')).toBe(false)
    expect(await $cache.has('a')).toBe(false)
    expect(await $cache.deleteMany(['b', 'c', 'nope'])).toBe(2)
    expect(await $cache.getMany(['b', 'c'])).toEqual(new Map())
  })

  it('add stores only when nothing valid is there', async () => {
    const { $cache } = client()
    expect(await $cache.add('once', 1)).toBe(true)
    expect(await $cache.add('once', 2)).toBe(false)
    expect(await $cache.get('once')).toBe(1)
    await $cache.delete('once')
    expect(await $cache.add('once', 3)).toBe(true)
    expect(await $cache.get('once')).toBe(3)
  })

  it('add is atomic: of concurrent adds of one key exactly one stores, and its value is kept', async () => {
    const { $cache } = client()
    const added = await Promise.all([1, 2, 3, 4].map((n) => $cache.add('raced', { n })))
    expect(added.filter(Boolean)).toHaveLength(1)
    expect(await $cache.get('raced')).toEqual({ n: added.indexOf(true) + 1 })
  })

  it('add replaces a value that is no longer valid (its tag was invalidated)', async () => {
    const { $cache } = client()
    await $cache.set('tagged', 'old', { tags: ['gone'] })
    expect(await $cache.add('tagged', 'kept')).toBe(false)
    await $cache.invalidate({ tags: ['gone'] })
    expect(await $cache.add('tagged', 'new')).toBe(true)
    expect(await $cache.get('tagged')).toBe('new')
  })

  it('values expire after their ttl; touch gives a present key a new lifetime and reports an absent one', async () => {
    const { $cache } = client()
    await $cache.set('short', 'x', { ttl: 0.1 })
    await $cache.set('kept', 'y', { ttl: 0.15 })
    expect(await $cache.touch('kept', 5)).toBe(true)
    expect(await $cache.touch('never-set')).toBe(false)
    await sleep(250)
    expect(await $cache.get('short')).toBeUndefined()
    expect(await $cache.get('kept')).toBe('y')
  })

  it('tags: invalidate({ tags }) makes tagged values absent and leaves others', async () => {
    const { $cache } = client()
    await $cache.set('tagged', { n: 1 }, { tags: ['settings'] })
    await $cache.set('untagged', { n: 2 })
    await $cache.invalidate({ tags: ['settings'] })
    expect(await $cache.get('tagged')).toBeUndefined()
    expect(await $cache.get('untagged')).toEqual({ n: 2 })
  })

  it('incr and decr count from 0, work on integers stored with set, and reject on anything else', async () => {
    const { $cache } = client()
    expect(await $cache.incr('visits')).toBe(1)
    expect(await $cache.incr('visits', 5)).toBe(6)
    expect(await $cache.decr('visits', 2)).toBe(4)
    expect(await $cache.get('visits')).toBe(4)
    await $cache.set('seeded', 41)
    expect(await $cache.incr('seeded')).toBe(42)
    await $cache.set('text', 'not a number')
    await expect($cache.incr('text')).rejects.toBeInstanceOf(CacheError)
    await expect($cache.incr('visits', 1.5)).rejects.toBeInstanceOf(CacheConfigError)
  })

  it('incr on a non-integer rejects with the same error on every store, and never trips the breaker', async () => {
    const { $cache } = cachedClient(db, kind, { breaker: { failures: 1, cooldown: 60_000 } }).prisma
    await $cache.set('text', 'not a number')
    for (let i = 0; i < 3; i++) {
      const error = await $cache.incr('text').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CacheNotIntegerError)
      expect((error as CacheError).code).toBe('E_CACHE_NOT_INTEGER')
    }
    // With one failure allowed, a single counted failure would have opened the breaker.
    expect(await $cache.incr('counter')).toBe(1)
    expect(await $cache.get('counter')).toBe(1)
  })

  it('getMany([]) and deleteMany([]) resolve empty without an error, and never trip the breaker', async () => {
    const { $cache } = cachedClient(db, kind, { breaker: { failures: 1, cooldown: 60_000 } }).prisma
    const errors: unknown[] = []
    $cache.on('error', (event) => errors.push(event.error))
    for (let i = 0; i < 3; i++) {
      expect(await $cache.getMany([])).toEqual(new Map())
      expect(await $cache.deleteMany([])).toBe(0)
    }
    expect(errors).toEqual([])
    // With one failure allowed, a single counted failure would have opened the breaker.
    await $cache.set('after', 1)
    expect(await $cache.get('after')).toBe(1)
  })

  it('getOrSet computes once, and recomputes after a write to a model its Prisma reads depended on', async () => {
    const prisma = client()
    let computed = 0
    const card = () => prisma.$cache.getOrSet('dashboard', async () => {
      computed++
      return { users: await prisma.user.count(), tags: await prisma.tag.count({ cache: true }) }
    })
    const first = await card()
    expect(await card()).toEqual(first)
    expect(computed).toBe(1)
    await prisma.order.deleteMany({ where: { id: -1 } }) // a model it does not read
    await card()
    expect(computed).toBe(1)
    await prisma.user.create({ data: { email: `kv-${kind}-${Date.now()}@example.com`, name: 'KV' } })
    const after = await card()
    expect(computed).toBe(2)
    expect(after.users).toBe(first.users + 1)
    await prisma.tag.create({ data: { name: `kv-${kind}-${Date.now()}` } })
    expect((await card()).tags).toBe(first.tags + 1)
    expect(computed).toBe(3)
  })

  it('getOrSet tracks a Prisma read its function returns without awaiting it', async () => {
    const prisma = client()
    const user = await prisma.user.create({ data: { email: `kv-lazy-${kind}-${Date.now()}@example.com`, name: 'before' } })
    const name = () => prisma.$cache.getOrSet(`lazy-${user.id}`, () => prisma.user.findUnique({ where: { id: user.id }, select: { name: true } }))
    expect(await name()).toEqual({ name: 'before' })
    await prisma.user.update({ where: { id: user.id }, data: { name: 'after' } })
    expect(await name()).toEqual({ name: 'after' })
  })

  it('a bad key is a CacheConfigError naming it', async () => {
    const { $cache } = client()
    await expect($cache.get('')).rejects.toMatchObject({ path: 'key' })
    await expect($cache.set(42 as unknown as string, 1)).rejects.toBeInstanceOf(CacheConfigError)
    await expect($cache.touch('')).rejects.toMatchObject({ path: 'key' })
    const incr = $cache.incr('') // a promise that rejects, not a synchronous throw
    await expect(incr).rejects.toMatchObject({ path: 'key' })
    await expect($cache.decr('', 1)).rejects.toMatchObject({ path: 'key' })
  })

  it('bad keys never count as store failures toward the breaker', async () => {
    const prisma = cachedClient(db, kind, { breaker: { failures: 2, cooldown: 60_000 } }).prisma
    for (let i = 0; i < 3; i++) {
      await prisma.$cache.touch('').catch(() => {})
      await prisma.$cache.get('').catch(() => {})
      await prisma.$cache.incr('').catch(() => {})
    }
    expect((await prisma.$cache.health()).store.breaker).toBe('closed')
    await prisma.tag.findMany({ cache: true })
    expect((await prisma.tag.findMany({ cache: true }).withCacheInfo()).info.status).toBe('hit')
  })
})
