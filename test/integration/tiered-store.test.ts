// providers: postgres — exercises the tiered store, which does not depend on the database
/**
 * tieredStore on its own, in one process, on the shared Redis (each test in a namespace of its
 * own): what arrives on the bus channel, and how L1 stays coherent with L2 around this process's
 * own changes.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { redisStore, tieredStore, type TieredStore } from '../../src/index.js'
import { testRedis } from '../helpers/cached-client.js'
import { waitFor } from '../helpers/redis-server.js'

const opened: TieredStore[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) {
    await store.l2.clear(`${store.bus.channel!.replace(/:bus$/, '')}:`)
    await store.close()
  }
})

/** A tiered store on the shared Redis in a fresh namespace, its bus subscribed. */
async function tiered(namespace = `tt-${randomUUID()}`, l2 = redisStore({ client: testRedis() })): Promise<TieredStore> {
  const store = tieredStore({ l2 })
  opened.push(store)
  store.attach({ namespace })
  await waitFor(() => store.bus.healthy, 'the bus did not subscribe')
  return store
}

/** Reads `key` through `store` until L1 holds a copy of it (a copy is skipped while a bus message is in flight). */
async function heldInL1(store: TieredStore, key: string): Promise<void> {
  await waitFor(async () => (await store.mget([key]), store.peek([key]) !== undefined), `L1 did not keep a copy of ${key}`)
}

describe('the bus channel', () => {
  it('ignores payloads that are not its messages, stays subscribed and still honours a valid message after them', async () => {
    // Before the fix these crashed the process: a TypeError thrown in the client's listener, a rejected L1 delete.
    const crashes: unknown[] = []
    const crash = (error: unknown) => crashes.push(error)
    process.on('uncaughtException', crash).on('unhandledRejection', crash)
    onTestFinished(() => void process.off('uncaughtException', crash).off('unhandledRejection', crash))
    const store = await tiered()
    const channel = store.bus.channel!
    const key = `${channel}:k:${randomUUID()}`
    await store.set(key, 'cached', 60_000)
    await heldInL1(store, key)
    const garbage = ['null', '42', '"del"', '[]', '{"type":"del"}', '{"type":"del","keys":"abc"}', '{"type":"del","keys":[1,{}]}', '{"keys":"abc"}', '{"type":"clear"}', '{"type":"clear","prefix":7}', 'not json', '']
    const seen = store.bus.sequence
    for (const payload of garbage) await testRedis().publish(channel, payload)
    await waitFor(() => store.bus.sequence >= seen + garbage.length, 'the payloads did not arrive')
    expect(store.bus.healthy).toBe(true)
    expect(store.peek([key])?.map(String), 'nothing was evicted by garbage').toEqual(['cached'])
    await testRedis().publish(channel, JSON.stringify({ origin: 'someone-else', type: 'del', keys: [key] }))
    await waitFor(() => store.peek([key]) === undefined, 'a valid message after the garbage did not evict the L1 copy')
    await store.set(key, 'again', 60_000)
    expect((await store.mget([key])).map(String)).toEqual(['again'])
    expect(crashes).toEqual([])
  })
})
