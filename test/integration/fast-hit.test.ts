// providers: postgres — exercises the in-memory hit path, and reads PostgreSQL's statement text
/**
 * The in-memory hit path (`peekHit` in src/read/pipeline.ts): a fresh hit in process memory is
 * answered without Prisma's request pipeline — and only when that changes nothing a user can observe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheExtension, memoryStore } from '../../src/index.js'
import { cachedClient, uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let userId: number

beforeAll(async () => {
  db = await createTestDatabase()
  userId = (await db.prisma.user.create({ data: { email: 'fast@hit.test', name: 'Fast' } })).id
})
afterAll(() => db?.drop())

/**
 * Prisma builds a call-site `Error` for every request it handles (its error messages point at the
 * caller): counting Error constructions tells whether a read went through Prisma at all.
 */
async function errorsConstructedBy(run: () => Promise<unknown>): Promise<number> {
  const Original = globalThis.Error
  let constructed = 0
  globalThis.Error = class extends Original {
    constructor(...args: ConstructorParameters<typeof Error>) {
      super(...args)
      constructed++
    }
  } as ErrorConstructor
  try {
    await run()
  } finally {
    globalThis.Error = Original
  }
  return constructed
}

describe('fresh in-memory hits skip the Prisma pipeline', () => {
  it('a hit on the memory store never enters Prisma; a miss does', async () => {
    const { prisma } = cachedClient(db, 'memory')
    const read = () => prisma.user.findUnique({ where: { id: userId }, cache: true })
    expect(await errorsConstructedBy(read)).toBeGreaterThan(0) // the miss
    db.executions.reset()
    expect(await errorsConstructedBy(read)).toBe(0)
    expect(db.executions.total).toBe(0)
    const { info } = await read().withCacheInfo()
    expect(info).toMatchObject({ status: 'hit', ttl: 60 })
    expect(prisma.$cache.stats().hits).toBe(2)
  })

  it('a write that resolves between calling a read and awaiting it is seen (the entry is re-checked at then())', async () => {
    const { prisma } = cachedClient(db, 'memory')
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    const pending = prisma.user.findUnique({ where: { id: userId }, cache: true }) // looks like a hit now
    const name = `renamed-${Date.now()}`
    await prisma.user.update({ where: { id: userId }, data: { name } })
    const { data, info } = await pending.withCacheInfo()
    expect(data?.name).toBe(name)
    expect(info.status).toBe('miss')
  })

  it('inside a batch $transaction a hit-ready read runs in the transaction, uncached', async () => {
    const { prisma } = cachedClient(db, 'memory')
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    db.executions.reset()
    const [user, count] = await prisma.$transaction([prisma.user.findUnique({ where: { id: userId }, cache: true }), prisma.user.count()])
    expect(user?.id).toBe(userId)
    expect(count).toBeGreaterThan(0)
    expect(db.executions.log.some((sql) => sql.includes('"User"') && /^\s*SELECT/i.test(sql) && sql.includes('WHERE'))).toBe(true)
    expect(db.executions.log.at(-1)).toBe('COMMIT')
  })

  it('getOrSet still records the dependencies of a read served this way', async () => {
    const { prisma } = cachedClient(db, 'memory')
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    let computed = 0
    const compose = () => prisma.$cache.getOrSet('profile-card', async () => {
      computed++
      const user = await prisma.user.findUnique({ where: { id: userId }, cache: true })
      return `card of ${user?.name}`
    })
    await compose()
    await compose()
    expect(computed).toBe(1)
    await prisma.user.update({ where: { id: userId }, data: { name: 'Card' } })
    expect(await compose()).toBe('card of Card')
    expect(computed).toBe(2)
  })

  it('with another extension below, every read still goes through Prisma and that extension', async () => {
    let seen = 0
    const below = db.prisma.$extends({ query: { $allOperations: ({ args, query }) => (seen++, query(args)) } })
    const prisma = below.$extends(cacheExtension({ store: memoryStore(), namespace: uniqueNamespace() }))
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    const { info } = await prisma.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
    expect(info.status).toBe('hit')
    expect(seen).toBe(2)
  })

  it('stale entries, options the ordinary path rejects, and a throwing scope take the ordinary path', async () => {
    const { prisma } = cachedClient(db, 'memory', { swr: 60, ttl: 0.05 })
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    await new Promise((resolve) => setTimeout(resolve, 80))
    const { info } = await prisma.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
    expect(info.status).toBe('stale')
    await expect(prisma.user.findUnique({ where: { id: userId }, cache: { ttl: -1 } })).rejects.toMatchObject({ path: 'cache.ttl' })
    // The scope fails from the second read on, whenever and however often the extension asks for it.
    let tenantKnown = true
    const scope = () => {
      if (!tenantKnown) throw new Error('no tenant')
      return 'tenant-a'
    }
    const scoped = cachedClient(db, 'memory', { scope }).prisma
    await scoped.user.findUnique({ where: { id: userId }, cache: true })
    tenantKnown = false
    const failing = await scoped.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
    expect(failing.data?.id).toBe(userId)
    expect(failing.info.status).toBe('error')
  })
})
