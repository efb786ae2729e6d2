import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import { memoryStore } from '../../src/index.js'
import { storeContract } from '../helpers/store-contract.js'

storeContract('memory', () => memoryStore())

describe('memoryStore bounds', () => {
  const LONG_MS = 60_000

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = memoryStore({ maxEntries: 3 })
    await store.setMany([['a', '1'], ['b', '2'], ['c', '3']], LONG_MS)
    await store.mget(['a']) // a is now more recently used than b
    await store.set('d', '4', LONG_MS)
    expect(await store.mget(['a', 'b', 'c', 'd'])).toEqual(['1', undefined, '3', '4'])
    expect(store.size).toBe(3)
  })

  it('evicts the least recently used entries beyond maxBytes', async () => {
    // Each entry costs (key length + value length) × 2 bytes: 2 + 100 characters → 204 bytes.
    const store = memoryStore({ maxBytes: 700 })
    const value = 'x'.repeat(100)
    await store.setMany([['k1', value], ['k2', value], ['k3', value]], LONG_MS)
    await store.mget(['k1'])
    await store.set('k4', value, LONG_MS)
    expect((await store.mget(['k1', 'k2', 'k3', 'k4'])).map((v) => v !== undefined)).toEqual([true, false, true, true])
    await store.set('k5', Buffer.alloc(600), LONG_MS) // 600 bytes + 4: room for nothing else
    expect((await store.mget(['k1', 'k3', 'k4', 'k5'])).map((v) => v !== undefined)).toEqual([false, false, false, true])
  })

  it('does not keep a single value larger than maxBytes', async () => {
    const store = memoryStore({ maxBytes: 100 })
    await store.set('big', 'x'.repeat(200), LONG_MS)
    expect(await store.mget(['big'])).toEqual([undefined])
  })

  it('peek answers synchronously only when every key is held', async () => {
    const store = memoryStore()
    await store.setMany([['a', '1'], ['b', '2']], LONG_MS)
    expect(store.peek(['a', 'b'])).toEqual(['1', '2'])
    expect(store.peek(['a', 'absent'])).toBeUndefined()
  })
  it('lookupNow reads the entry and the versions at once, creating only the absent versions', async () => {
    const store = memoryStore()
    await store.setMany([['entry', 'stored'], ['v:a', 'old']], LONG_MS)
    let made = 0
    const found = store.lookupNow('entry', ['v:a', 'v:b'], () => `new${made++}`, LONG_MS)
    expect(found).toEqual({ entry: 'stored', versions: ['old', 'new0'] })
    expect(await store.mget(['v:a', 'v:b'])).toEqual(['old', 'new0'])
    expect(store.lookupNow('absent', ['v:b'], () => `new${made++}`, LONG_MS)).toEqual({ entry: undefined, versions: ['new0'] })
    expect(made).toBe(1)
  })

  it('setNow stores synchronously, with its TTL', async () => {
    const store = memoryStore()
    store.setNow('k', 'v', 30)
    expect(store.peek(['k'])).toEqual(['v'])
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(await store.mget(['k'])).toEqual([undefined])
  })

  it('arms no timer to track expiry, so a miss waiting for its database is not woken by one', async () => {
    const store = memoryStore()
    const timers = vi.spyOn(globalThis, 'setTimeout')
    try {
      for (let i = 0; i < 5; i++) {
        store.setNow(`k${i}`, 'v', 30)
        store.lookupNow(`e${i}`, [`v${i}`], () => 'x', 60_000)
        await store.mget([`k${i}`])
        await new Promise<void>((resolve) => setImmediate(resolve)) // past lru-cache's 1 ms clock cache, were it on
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
      expect(timers).not.toHaveBeenCalled()
    } finally {
      timers.mockRestore()
    }
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(await store.mget(['k0', 'k4']), 'entries still expire').toEqual([undefined, undefined])
  })
})

describe('memoryStore deferred writes', () => {
  const LONG_MS = 60_000
  
  it('runs a deferred write on the next turn of the event loop', async () => {
    const store = memoryStore()
    let ran = 0
    store.deferWrite('k', () => {
      ran++
      store.setNow('k', 'v', LONG_MS)
    })
    expect(ran).toBe(0)
    await nextTurn()
    expect(ran).toBe(1)
    expect(store.peek(['k'])).toEqual(['v'])
  })

  it('runs it sooner, at the first access to its key by any method', async () => {
    const accesses: [string, (store: ReturnType<typeof memoryStore>) => unknown][] = [
      ['peek', (s) => s.peek(['k'])],
      ['lookupNow', (s) => s.lookupNow('k', [], () => '1', LONG_MS)],
      ['mget', (s) => s.mget(['k'])],
      ['add', (s) => s.add('k', 'other', LONG_MS)],
      ['delete', (s) => s.delete(['k'])],
      ['deleteIfEquals', (s) => s.deleteIfEquals('k', 'v')],
      ['expire', (s) => s.expire('k', LONG_MS)],
      ['clear', (s) => s.clear('')],
      ['size', (s) => s.size],
    ]
    for (const [name, access] of accesses) {
      const store = memoryStore()
      const log: string[] = []
      store.deferWrite('k', () => {
        log.push('write')
        store.setNow('k', 'v', LONG_MS)
      })
      log.push(`${name}: ${JSON.stringify(await access(store))}`)
      expect(log[0], name).toBe('write')
    }
  })

  it('sees the store as if the write had run at once: a later set wins, a delete removes it', async () => {
    const store = memoryStore()
    store.deferWrite('a', () => store.setNow('a', 'deferred', LONG_MS))
    await store.set('a', 'later', LONG_MS)
    store.deferWrite('b', () => store.setNow('b', 'deferred', LONG_MS))
    expect(await store.delete(['b'])).toBe(1)
    store.deferWrite('c', () => store.setNow('c', 'first', LONG_MS))
    store.deferWrite('c', () => store.setNow('c', 'second', LONG_MS))
    await nextTurn()
    expect(await store.mget(['a', 'b', 'c'])).toEqual(['later', undefined, 'second'])
  })

  it('leaves other keys alone until their turn', async () => {
    const store = memoryStore()
    let ran = false
    store.deferWrite('x', () => {
      ran = true
      store.setNow('x', '1', LONG_MS)
    })
    expect(await store.mget(['y'])).toEqual([undefined])
    expect(ran).toBe(false)
  })
})
