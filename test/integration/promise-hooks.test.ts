/**
 * The AsyncLocalStorage scopes of `$transaction`, `withCacheInfo()` and `getOrSet()` switch Node's
 * promise hook on only while they run. On Node 20 an enabled AsyncLocalStorage hooks every
 * promise of the process until it is disabled; the hook is visible as a non-zero
 * `executionAsyncId()` inside a promise continuation (0 when no hook runs).
 */
import { executionAsyncId } from 'node:async_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheExtension, memoryStore } from '../../src/index.js'
import { passthroughMode } from '../../src/prisma/passthrough.js'
import { uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let prisma: ReturnType<typeof extend>
let userId: number

const extend = (base: TestDatabase['prisma']) => base.$extends(cacheExtension({ store: memoryStore(), namespace: uniqueNamespace(), ttl: 60 }))

/** True when a promise hook runs (some AsyncLocalStorage of the process is enabled). */
async function promiseHookOn(): Promise<boolean> {
  await null
  return executionAsyncId() !== 0
}

beforeAll(async () => {
  db = await createTestDatabase()
  prisma = extend(db.prisma)
  userId = (await db.prisma.user.create({ data: { email: 'hooks@example.com', name: 'before' } })).id
  await prisma.user.findUnique({ where: { id: userId }, cache: true }) // settles how passthrough reads are marked
})
afterAll(() => db?.drop())

describe('promise hooks', () => {
  it('are off after ordinary cached reads (the baseline the other tests compare with)', async () => {
    expect(passthroughMode()).toBe('identity')
    await prisma.user.findMany({ where: { name: { startsWith: 'x' } }, cache: true })
    expect(await promiseHookOn()).toBe(false)
  })

  it('run during an interactive $transaction and stop when it ends; its writes still invalidate after commit', async () => {
    expect((await prisma.user.findUnique({ where: { id: userId }, cache: true }))?.name).toBe('before')
    let inside = false
    await prisma.$transaction(async (tx) => {
      inside = await promiseHookOn()
      await tx.user.update({ where: { id: userId }, data: { name: 'after' } })
    })
    expect(inside).toBe(true)
    expect(await promiseHookOn()).toBe(false)
    expect((await prisma.user.findUnique({ where: { id: userId }, cache: true }))?.name).toBe('after')
  })

  it('stop after a batch $transaction, which still invalidates', async () => {
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    await prisma.$transaction([prisma.user.update({ where: { id: userId }, data: { name: 'batched' } })])
    expect(await promiseHookOn()).toBe(false)
    expect((await prisma.user.findUnique({ where: { id: userId }, cache: true }))?.name).toBe('batched')
  })

  it('stay on while an overlapping scope still runs, which keeps seeing its own value (getOrSet records its reads)', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let stillOn = false
    const compute = () => prisma.$cache.getOrSet('hooks:overlap', async () => {
      await held
      stillOn = await promiseHookOn()
      return (await prisma.user.findUniqueOrThrow({ where: { id: userId } })).name
    }, { ttl: 60 })
    const long = compute()
    await prisma.$cache.getOrSet('hooks:short', async () => prisma.user.count(), { ttl: 60 })
    release()
    const before = await long
    expect(stillOn).toBe(true)
    expect(await promiseHookOn()).toBe(false)
    // The long scope's read was recorded after the short scope ended: a write to its row invalidates it.
    await prisma.user.update({ where: { id: userId }, data: { name: `${before}+` } })
    expect(await compute()).toBe(`${before}+`)
  })

  it('stop after withCacheInfo(), which still reports how the cache answered', async () => {
    const first = await prisma.user.findMany({ where: { name: { startsWith: 'info' } }, cache: true }).withCacheInfo()
    expect(await promiseHookOn()).toBe(false)
    const second = await prisma.user.findMany({ where: { name: { startsWith: 'info' } }, cache: true }).withCacheInfo()
    expect([first.info.status, second.info.status]).toEqual(['miss', 'hit'])
    expect(await promiseHookOn()).toBe(false)
  })

  it('stop after getOrSet(), whose value a later write still invalidates', async () => {
    const compute = () => prisma.$cache.getOrSet('hooks:names', async () => (await prisma.user.findMany({ select: { name: true } })).map((u) => u.name), { ttl: 60 })
    const { name } = await db.prisma.user.findUniqueOrThrow({ where: { id: userId } })
    expect(await compute()).toContain(name)
    expect(await promiseHookOn()).toBe(false)
    await prisma.user.update({ where: { id: userId }, data: { name: 'renamed' } })
    expect(await compute()).toContain('renamed')
    expect(await promiseHookOn()).toBe(false)
  })
})
