/**
 * The contract every CacheStore keeps, as one vitest suite. A store test file calls
 * `storeContract(name, () => store)`; each test works under its own random key prefix, so a shared
 * server (Redis) needs no flushing and files can run in parallel.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CacheStore, StoreValue } from '../../src/stores/store.js'

/** Text of a stored value (Redis hands back Buffers even for strings). */
function text(value: StoreValue | undefined): string | undefined {
  return value === undefined ? undefined : value.toString()
}

/** TTLs short enough to watch expire, with a wide margin between "alive" and "gone". */
const SHORT_MS = 120
const PAST_SHORT_MS = 350
const LONG_MS = 60_000

/** Registers the store contract suite for the store returned by `getStore` (called per test). */
export function storeContract(name: string, getStore: () => CacheStore): void {
  describe(`${name} store contract`, () => {
    let store: CacheStore
    let p: string
    beforeEach(() => {
      store = getStore()
      p = `contract:${randomUUID()}:`
    })

    it('mget returns values in key order with undefined for absent keys', async () => {
      await store.set(`${p}b`, 'B', LONG_MS)
      const values = await store.mget([`${p}a`, `${p}b`, `${p}c`])
      expect(values.map(text)).toEqual([undefined, 'B', undefined])
      expect(await store.mget([]), 'no keys: nothing to ask (a bare MGET is a Redis error)').toEqual([])
    })

    it('set stores strings and bytes and overwrites', async () => {
      const bytes = Buffer.from([0, 1, 2, 0xff, 0x0a])
      await store.set(`${p}s`, 'one', LONG_MS)
      await store.set(`${p}s`, 'two', LONG_MS)
      await store.set(`${p}b`, bytes, LONG_MS)
      const [s, b] = await store.mget([`${p}s`, `${p}b`])
      expect(text(s)).toBe('two')
      expect(Buffer.from(b as Buffer).equals(bytes)).toBe(true)
    })

    it('set expires the key after its TTL', async () => {
      await store.set(`${p}short`, 'x', SHORT_MS)
      await store.set(`${p}long`, 'y', LONG_MS)
      await sleep(PAST_SHORT_MS)
      expect((await store.mget([`${p}short`, `${p}long`])).map(text)).toEqual([undefined, 'y'])
    })

    it('add sets only when the key is absent', async () => {
      expect(await store.add(`${p}k`, 'first', LONG_MS)).toBe(true)
      expect(await store.add(`${p}k`, 'second', LONG_MS)).toBe(false)
      expect(text((await store.mget([`${p}k`]))[0])).toBe('first')
    })

    it('add succeeds again once the previous value expired', async () => {
      expect(await store.add(`${p}k`, 'first', SHORT_MS)).toBe(true)
      await sleep(PAST_SHORT_MS)
      expect(await store.add(`${p}k`, 'second', LONG_MS)).toBe(true)
      expect(text((await store.mget([`${p}k`]))[0])).toBe('second')
    })

    it('getOrInit returns existing values and initialises absent ones with the TTL', async () => {
      await store.set(`${p}old`, 'existing', LONG_MS)
      expect(await store.getOrInit([`${p}old`, `${p}new`], ['init-old', 'init-new'], SHORT_MS)).toEqual(['existing', 'init-new'])
      expect((await store.mget([`${p}old`, `${p}new`])).map(text)).toEqual(['existing', 'init-new'])
      expect(await store.getOrInit([`${p}new`], ['again'], LONG_MS)).toEqual(['init-new'])
      await sleep(PAST_SHORT_MS)
      expect((await store.mget([`${p}old`, `${p}new`])).map(text)).toEqual(['existing', undefined])
    })

    it('setMany sets every key unconditionally', async () => {
      await store.set(`${p}a`, 'old', LONG_MS)
      await store.setMany([[`${p}a`, '1'], [`${p}b`, '2'], [`${p}c`, '3']], LONG_MS)
      expect((await store.mget([`${p}a`, `${p}b`, `${p}c`])).map(text)).toEqual(['1', '2', '3'])
      await store.setMany([[`${p}a`, 'only']], SHORT_MS)
      await sleep(PAST_SHORT_MS)
      expect((await store.mget([`${p}a`, `${p}b`])).map(text)).toEqual([undefined, '2'])
    })

    it('delete removes the keys and resolves how many existed', async () => {
      await store.setMany([[`${p}a`, '1'], [`${p}b`, '2']], LONG_MS)
      expect(await store.delete([`${p}a`, `${p}b`, `${p}absent`])).toBe(2)
      expect((await store.mget([`${p}a`, `${p}b`])).map(text)).toEqual([undefined, undefined])
      expect(await store.delete([])).toBe(0)
    })

    it('deleteIfEquals deletes only while the key holds the given token', async () => {
      await store.set(`${p}lock`, 'token-1', LONG_MS)
      expect(await store.deleteIfEquals(`${p}lock`, 'token-2')).toBe(false)
      expect(text((await store.mget([`${p}lock`]))[0])).toBe('token-1')
      expect(await store.deleteIfEquals(`${p}lock`, 'token-1')).toBe(true)
      expect((await store.mget([`${p}lock`]))[0]).toBeUndefined()
      expect(await store.deleteIfEquals(`${p}lock`, 'token-1')).toBe(false)
    })

    it('incrBy starts an absent key at 0, accumulates, and applies the TTL', async () => {
      expect(await store.incrBy(`${p}n`, 5, SHORT_MS)).toBe(5)
      expect(await store.incrBy(`${p}n`, -2, SHORT_MS)).toBe(3)
      expect(text((await store.mget([`${p}n`]))[0])).toBe('3')
      await sleep(PAST_SHORT_MS)
      expect((await store.mget([`${p}n`]))[0]).toBeUndefined()
      expect(await store.incrBy(`${p}n`, 1, LONG_MS)).toBe(1)
    })

    it('expire resets the TTL of a present key and reports an absent one', async () => {
      expect(await store.expire(`${p}absent`, LONG_MS)).toBe(false)
      await store.set(`${p}longer`, 'a', SHORT_MS)
      await store.set(`${p}shorter`, 'b', LONG_MS)
      expect(await store.expire(`${p}longer`, LONG_MS)).toBe(true)
      expect(await store.expire(`${p}shorter`, SHORT_MS)).toBe(true)
      await sleep(PAST_SHORT_MS)
      expect((await store.mget([`${p}longer`, `${p}shorter`])).map(text)).toEqual(['a', undefined])
    })

    it('clear(prefix) deletes every key under the prefix and nothing else', async () => {
      const inside = [`${p}ns:e:1`, `${p}ns:v:m:User`, `${p}ns:`]
      const outside = [`${p}nsX:e:1`, `${p}ns`, `${p}other:ns:1`, `${p}n`]
      await store.setMany([...inside, ...outside].map((k) => [k, 'v'] as [string, string]), LONG_MS)
      await store.clear(`${p}ns:`)
      expect((await store.mget(inside)).map(text)).toEqual(inside.map(() => undefined))
      expect((await store.mget(outside)).map(text)).toEqual(outside.map(() => 'v'))
    })

    it('multi-key operations take keys of many hash slots in one call, in key order', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `${p}many:${i}`)
      expect(await store.getOrInit(keys.slice(0, 20), keys.slice(0, 20).map((_, i) => `init${i}`), LONG_MS)).toEqual(keys.slice(0, 20).map((_, i) => `init${i}`))
      await store.setMany(keys.slice(20).map((k, i) => [k, `set${i}`] as [string, string]), LONG_MS)
      expect((await store.mget(keys)).map(text)).toEqual([...keys.slice(0, 20).map((_, i) => `init${i}`), ...keys.slice(20).map((_, i) => `set${i}`)])
      expect(await store.delete(keys.filter((_, i) => i % 2 === 0))).toBe(20)
      expect((await store.mget(keys)).filter((v) => v !== undefined)).toHaveLength(20)
      await store.clear(`${p}many:`)
      expect((await store.mget(keys)).filter((v) => v !== undefined)).toHaveLength(0)
    })

    it('lookupAndLock reads the entry, creates only absent versions and takes the lock only if free', async (ctx) => {
      if (!store.lookupAndLock) return ctx.skip() // optional: only shared stores implement it
      const versions = [`${p}v:old`, `${p}v:new`]
      await store.set(`${p}v:old`, 'existing', LONG_MS)
      await store.set(`${p}entry`, Buffer.from([0, 1, 2, 255]), LONG_MS)
      const first = await store.lookupAndLock(`${p}entry`, versions, ['init-old', 'init-new'], LONG_MS, { key: `${p}lock`, token: 't1', ttlMs: LONG_MS })
      expect(Buffer.from(first.entry as Buffer)).toEqual(Buffer.from([0, 1, 2, 255]))
      expect(first.versions).toEqual(['existing', 'init-new'])
      expect(first.locked).toBe(true)
      expect((await store.mget(versions)).map(text)).toEqual(['existing', 'init-new'])
      const second = await store.lookupAndLock(`${p}absent`, versions, ['x', 'y'], LONG_MS, { key: `${p}lock`, token: 't2', ttlMs: LONG_MS })
      expect(second).toEqual({ entry: undefined, versions: ['existing', 'init-new'], locked: false })
      expect(text((await store.mget([`${p}lock`]))[0])).toBe('t1')
      // keys of many hash slots in one call (a cluster splits it per slot)
      const many = Array.from({ length: 12 }, (_, i) => `${p}many:${i}`)
      const third = await store.lookupAndLock(`${p}e2`, many, many.map((_, i) => `i${i}`), LONG_MS, { key: `${p}lock2`, token: 't3', ttlMs: SHORT_MS })
      expect(third.versions).toEqual(many.map((_, i) => `i${i}`))
      expect(third.locked).toBe(true)
      await sleep(PAST_SHORT_MS)
      expect((await store.mget([`${p}lock2`]))[0], 'the lock has the TTL asked for').toBeUndefined()
    })

    it('setAndUnlock stores the entry and releases the lock only while it holds the token', async (ctx) => {
      if (!store.setAndUnlock) return ctx.skip() // optional: only shared stores implement it
      await store.set(`${p}lock`, 'mine', LONG_MS)
      await store.setAndUnlock(`${p}entry`, 'value-1', LONG_MS, { key: `${p}lock`, token: 'mine' })
      expect((await store.mget([`${p}entry`, `${p}lock`])).map(text)).toEqual(['value-1', undefined])
      await store.set(`${p}lock`, 'someone-else', LONG_MS)
      await store.setAndUnlock(`${p}entry`, Buffer.from([9, 8]), SHORT_MS, { key: `${p}lock`, token: 'mine' })
      const [entry, lock] = await store.mget([`${p}entry`, `${p}lock`])
      expect(Buffer.from(entry as Buffer)).toEqual(Buffer.from([9, 8]))
      expect(text(lock)).toBe('someone-else')
      await sleep(PAST_SHORT_MS)
      expect((await store.mget([`${p}entry`]))[0], 'the entry has the TTL asked for').toBeUndefined()
    })

    it('clear(prefix) treats glob characters in the prefix literally', async () => {
      const keys = [`${p}g*[a]?:1`, `${p}gX[a]?:1`, `${p}g*a?:1`]
      await store.setMany(keys.map((k) => [k, 'v'] as [string, string]), LONG_MS)
      await store.clear(`${p}g*[a]?:`)
      expect((await store.mget(keys)).map(text)).toEqual([undefined, 'v', 'v'])
    })
  })
}
