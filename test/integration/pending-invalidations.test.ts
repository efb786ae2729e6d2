// providers: postgres — exercises the cache store, which does not depend on the database
/**
 * Invalidations whose version bump failed: they stay pending (retried with backoff), every read
 * depending on a pending tag bypasses the cache, and a retry clears only what it covered. The
 * store is a memory store shared by two clients (two processes on one store) whose `setMany` (the
 * bump) fails or answers late on command: the exact interleaving a real server produces only by
 * chance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStore, type CacheStore } from '../../src/index.js'
import { cachedClient, uniqueNamespace, type CachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db?.drop())

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** How the store answers a version bump (`setMany`). */
type BumpMode = 'ok' | 'fail' | 'late'

/**
 * A memory store whose `setMany` succeeds, fails without storing, or (`'late'`) stores at once and
 * answers only on `answer()`. `stored` resolves when a late bump has been stored.
 */
function bumpControlledStore() {
  const inner = memoryStore()
  let mode: BumpMode = 'ok'
  let storedLate!: () => void
  let answerLate!: () => void
  const stored = new Promise<void>((resolve) => (storedLate = resolve))
  const answered = new Promise<void>((resolve) => (answerLate = resolve))
  const store: CacheStore = new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown
      if (prop !== 'setMany') return typeof value === 'function' ? value.bind(target) : value
      return async (entries: readonly [string, string][], ttlMs: number) => {
        if (mode === 'fail') throw new Error('bump refused (test)')
        await target.setMany(entries, ttlMs)
        if (mode === 'late') {
          storedLate()
          await answered
        }
      }
    },
  })
  return { store, stored, answer: () => answerLate(), setMode: (next: BumpMode) => (mode = next) }
}

describe('a retried invalidation', () => {
  it('keeps a tag pending when a later write to it failed while the retry was on its way', async () => {
    const { store, stored, answer, setMode } = bumpControlledStore()
    const namespace = uniqueNamespace()
    const writer = cachedClient(db, 'memory', { store, namespace }).prisma
    const other = cachedClient(db, 'memory', { store, namespace }).prisma
    const user = await writer.user.create({ data: { email: 'retry@example.com', name: 'v0' } })
    const read = (prisma: CachedClient) => prisma.user.findMany({ where: { id: user.id }, select: { name: true }, cache: true }).withCacheInfo()
    await read(other)

    setMode('fail')
    await writer.user.update({ where: { id: user.id }, data: { name: 'v1' } }) // bump fails: pending, retried
    setMode('late')
    await stored // the retry's new versions are in the store; its answer is not back yet
    setMode('fail')
    expect((await read(other)).data, 'the other process reads v1 and stores it under the retry\'s versions').toEqual([{ name: 'v1' }])
    await writer.user.update({ where: { id: user.id }, data: { name: 'v2' } }) // its bump fails too
    setMode('ok')
    answer()
    await sleep(10) // the retry has its answer

    const { data, info } = await read(writer)
    expect(data).toEqual([{ name: 'v2' }])
    expect(['bypass', 'miss'], 'v2 is pending in the writer, or a later retry invalidated it').toContain(info.status)
    for (let waited = 0; (await read(other)).data?.[0]?.name !== 'v2'; waited += 20) {
      expect(waited, 'a later retry invalidated v2 for the other process').toBeLessThan(5000)
      await sleep(20)
    }
    expect((await read(writer)).data).toEqual([{ name: 'v2' }])
  })
})

describe('$cache key/value reads', () => {
  it('treat a value whose model dependency has a pending invalidation as absent', async () => {
    const { store, setMode } = bumpControlledStore()
    const prisma = cachedClient(db, 'memory', { store }).prisma
    const user = await prisma.user.create({ data: { email: 'pending-kv@example.com', name: 'before' } })
    const names = async () => await prisma.user.findMany({ where: { id: user.id }, select: { name: true } })
    expect(await prisma.$cache.getOrSet('names', names)).toEqual([{ name: 'before' }])
    expect(await prisma.$cache.get('names')).toEqual([{ name: 'before' }])

    setMode('fail')
    await prisma.user.update({ where: { id: user.id }, data: { name: 'after' } })
    expect((await prisma.user.findMany({ where: { id: user.id }, select: { name: true }, cache: true }).withCacheInfo()).info.status).toBe('bypass')
    expect(await prisma.$cache.get('names')).toBeUndefined()
    expect(await prisma.$cache.has('names')).toBe(false)
    expect(await prisma.$cache.getMany(['names'])).toEqual(new Map())
    expect(await prisma.$cache.getOrSet('names', names)).toEqual([{ name: 'after' }])
    setMode('ok')
  })

  it('treat a value whose user tag has a pending invalidation as absent', async () => {
    const { store, setMode } = bumpControlledStore()
    const { $cache } = cachedClient(db, 'memory', { store }).prisma
    await $cache.set('tagged', 'old', { tags: ['x'] })
    await $cache.set('untagged', 'kept')
    setMode('fail')
    await $cache.invalidate({ tags: ['x'] })
    expect(await $cache.get('tagged')).toBeUndefined()
    expect(await $cache.getMany(['tagged', 'untagged'])).toEqual(new Map([['untagged', 'kept']]))
    expect(await $cache.getOrSet('tagged', () => 'new', { tags: ['x'] })).toBe('new')
    setMode('ok')
  })
})
