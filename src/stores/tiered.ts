/**
 * Two tiers: an in-process memory L1 in front of Redis (L2), kept coherent by a pub/sub bus.
 * An L1 hit costs no network round trip, so L1 keeps copies of the dependency versions too.
 * Every change to L2 is published in the same MULTI as the write, so messages arrive in the
 * order the writes happened; receivers evict the keys from their L1. A copy from L2 into L1 (after
 * a fetch, or after our own write) is made only if no bus message arrived meanwhile — otherwise
 * the copy could predate a change — and the key is evicted instead.
 */
import type { Cluster, Redis } from 'ioredis'
import { CacheConfigError } from '../errors.js'
import { InvalidationBus, type BusMessage } from './bus.js'
import { MemoryStore, memoryStore } from './memory.js'
import { DEFAULT_BUS_CHANNEL, RedisStore } from './redis.js'
import type { CacheStore, StoreValue } from './store.js'

/** Options of {@link tieredStore}. */
export interface TieredStoreOptions {
  /** The in-process tier. @default memoryStore() */
  l1?: MemoryStore
  /** The shared tier. */
  l2: RedisStore
  /** A connection used only to subscribe to the bus. @default a duplicate() of l2's client, closed by close() */
  bus?: Redis | Cluster
  /** Pub/sub channel shared by every process of the deployment. @default 'prisma-query-cache:bus' */
  channel?: string
}

/** An L1 memory store in front of Redis, coherent across processes through a pub/sub bus. */
export function tieredStore(options: TieredStoreOptions): TieredStore {
  return new TieredStore(options)
}

/** The class behind {@link tieredStore}. */
export class TieredStore implements CacheStore {
  readonly kind = 'tiered'
  readonly shared = true
  readonly l1: MemoryStore
  readonly l2: RedisStore
  readonly bus: InvalidationBus
  readonly #ownsBus: boolean
  readonly #subscriber: Redis | Cluster

  constructor(options: TieredStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new CacheConfigError('tieredStore', 'an options object with l2', options)
    for (const key of Object.keys(options)) {
      if (!['l1', 'l2', 'bus', 'channel'].includes(key)) throw new CacheConfigError(`tieredStore.${key}`, 'a known option (l1, l2, bus, channel)', 'an unknown option')
    }
    if (!(options.l2 instanceof RedisStore)) throw new CacheConfigError('tieredStore.l2', 'a redisStore()', options.l2)
    if (options.l1 !== undefined && !(options.l1 instanceof MemoryStore)) throw new CacheConfigError('tieredStore.l1', 'a memoryStore()', options.l1)
    const channel = options.channel ?? DEFAULT_BUS_CHANNEL
    if (typeof channel !== 'string' || channel.length === 0) throw new CacheConfigError('tieredStore.channel', 'a non-empty string', channel)
    this.l1 = options.l1 ?? memoryStore()
    this.l2 = options.l2
    this.#ownsBus = options.bus === undefined
    this.#subscriber = options.bus ?? options.l2.client.duplicate()
    this.bus = new InvalidationBus(this.#subscriber, channel, {
      onMessage: (message) => this.#apply(message),
      onHealthChange: () => void this.l1.clear(''),
    })
  }

  peek(keys: readonly string[]): StoreValue[] | undefined {
    return this.bus.healthy ? this.l1.peek(keys) : undefined
  }

  async mget(keys: readonly string[], consistent = false): Promise<(StoreValue | undefined)[]> {
    if (consistent || !this.bus.healthy) return this.l2.mget(keys)
    const local = await this.l1.mget(keys)
    const missing = keys.filter((_, i) => local[i] === undefined)
    if (missing.length === 0) return local
    const sequence = this.bus.sequence
    const remote = await this.l2.mgetWithTtl(missing)
    const copyToL1 = this.bus.healthy && this.bus.sequence === sequence
    let j = 0
    return local.map((value, i) => {
      if (value !== undefined) return value
      const [fetched, ttlMs] = remote[j++]!
      if (fetched !== undefined && copyToL1 && ttlMs > 0) void this.l1.set(keys[i]!, fetched, ttlMs)
      return fetched
    })
  }

  keepLocal(key: string, value: StoreValue, ttlMs: number): void {
    // Only while the bus is up: a copy made while invalidations cannot reach L1 would outlive them.
    if (this.bus.healthy && ttlMs > 0) void this.l1.set(key, value, ttlMs)
  }

  async set(key: string, value: StoreValue, ttlMs: number): Promise<void> {
    await this.#writeThrough([[key, value]], ttlMs)
  }

  async add(key: string, value: StoreValue, ttlMs: number): Promise<boolean> {
    return this.l2.add(key, value, ttlMs)
  }

  async getOrInit(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<string[]> {
    const sequence = this.bus.sequence
    const values = await this.l2.getOrInit(keys, initial, ttlMs)
    if (this.bus.healthy && this.bus.sequence === sequence) await this.l1.setMany(keys.map((k, i) => [k, values[i]!]), ttlMs)
    else await this.l1.delete(keys)
    return values
  }

  async setMany(entries: readonly [string, string][], ttlMs: number): Promise<void> {
    await this.#writeThrough(entries, ttlMs)
  }

  async delete(keys: readonly string[]): Promise<number> {
    await this.l1.delete(keys)
    const deleted = await this.l2.delete(keys)
    await this.l2.publish(this.bus.channel, this.bus.encode({ type: 'del', keys: [...keys] }))
    return deleted
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return this.l2.deleteIfEquals(key, value)
  }

  async incrBy(key: string, delta: number, ttlMs: number): Promise<number> {
    await this.l1.delete([key])
    const value = await this.l2.incrBy(key, delta, ttlMs)
    await this.l2.publish(this.bus.channel, this.bus.encode({ type: 'del', keys: [key] }))
    return value
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    await this.l1.expire(key, ttlMs)
    return this.l2.expire(key, ttlMs)
  }

  async ping(): Promise<void> {
    await this.l2.ping()
  }

  async clear(prefix: string): Promise<void> {
    await this.l1.clear(prefix)
    await this.l2.clear(prefix)
    await this.l2.publish(this.bus.channel, this.bus.encode({ type: 'clear', prefix }))
  }

  /** Stops the bus; closes its connection if this store created it. Never closes l2's client. */
  async close(): Promise<void> {
    await this.bus.close()
    if (this.#ownsBus) this.#subscriber.disconnect()
  }

  /** Writes L2 and publishes the eviction atomically; copies into L1 only if nothing arrived meanwhile. */
  async #writeThrough(entries: readonly [string, StoreValue][], ttlMs: number): Promise<void> {
    const sequence = this.bus.sequence
    const keys = entries.map(([key]) => key)
    try {
      await this.l2.setAndPublish(entries, ttlMs, this.bus.channel, this.bus.encode({ type: 'del', keys }))
    } finally {
      if (this.bus.healthy && this.bus.sequence === sequence) for (const [key, value] of entries) await this.l1.set(key, value, ttlMs)
      else await this.l1.delete(keys)
    }
  }

  #apply(message: BusMessage): void {
    if (message.type === 'del') void this.l1.delete(message.keys)
    else void this.l1.clear(message.prefix)
  }
}
