/**
 * Two tiers: an in-process memory L1 in front of Redis (L2), kept coherent by a pub/sub bus.
 * An L1 hit costs no network round trip, so L1 keeps copies of the dependency versions too.
 * Every change of a value or of its TTL (`expire`) in L2 is announced once, by the Redis store,
 * after the change; receivers evict the keys from their L1. A copy from L2 into L1 (after a
 * fetch, or after our own write) is made only if no bus message arrived and this process changed
 * nothing meanwhile — otherwise the copy could predate a change — and the key is evicted instead.
 */
import { CacheConfigError } from '../errors.js'
import { InvalidationBus, newOrigin, type BusMessage } from './bus.js'
import { MemoryStore, memoryStore } from './memory.js'
import { RedisStore, type RedisClient } from './redis.js'
import type { CacheStore, LockRequest, LookupAndLock, StoreValue } from './store.js'

/** Options of {@link tieredStore}. */
export interface TieredStoreOptions {
  /** The in-process tier. @default memoryStore() */
  l1?: MemoryStore
  /** The shared tier. */
  l2: RedisStore
  /**
   * A connection used only to subscribe to the bus: a client of the same library as l2's, to the
   * server or to any node of the cluster. The caller owns it.
   * @default a connection of its own, closed by close() (on a cluster: to any node, replaced if that node goes)
   */
  bus?: RedisClient
  /** Pub/sub channel shared by every process of the deployment. @default l2's `channel`, else '<namespace>:bus' */
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
  /** L2's buckets: L1 holds the same keys. */
  get buckets(): number {
    return this.l2.buckets
  }
  readonly l1: MemoryStore
  readonly l2: RedisStore
  readonly bus: InvalidationBus
  readonly #connection: RedisClient | undefined
  /**
   * Tags the announcements of changes made through this store, which its bus ignores (L1 is
   * already up to date). Its own, not l2's: another tiered store over the same l2 must hear them.
   */
  readonly #origin = newOrigin()

  constructor(options: TieredStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new CacheConfigError('tieredStore', 'an options object with l2', options)
    for (const key of Object.keys(options)) {
      if (!['l1', 'l2', 'bus', 'channel'].includes(key)) throw new CacheConfigError(`tieredStore.${key}`, 'a known option (l1, l2, bus, channel)', 'an unknown option')
    }
    if (!(options.l2 instanceof RedisStore)) throw new CacheConfigError('tieredStore.l2', 'a redisStore()', options.l2)
    if (options.l1 !== undefined && !(options.l1 instanceof MemoryStore)) throw new CacheConfigError('tieredStore.l1', 'a memoryStore()', options.l1)
    const channel = options.channel
    if (channel !== undefined && (typeof channel !== 'string' || channel.length === 0)) throw new CacheConfigError('tieredStore.channel', 'a non-empty string', channel)
    this.l1 = options.l1 ?? memoryStore()
    this.l2 = options.l2
    this.#connection = options.bus
    this.bus = new InvalidationBus(this.#origin, {
      onMessage: (message) => this.#apply(message),
      onHealthChange: () => void this.l1.clear(''),
    })
    const known = channel ?? this.l2.channel
    if (known !== undefined) this.#start(known)
  }

  /** Learns the namespace: without an explicit channel, the bus starts on `<namespace>:bus`. */
  attach(context: { namespace: string }): void {
    this.l2.attach(context)
    this.#start(this.bus.channel ?? this.l2.channel ?? `${context.namespace}:bus`)
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
      if (fetched !== undefined && copyToL1 && ttlMs > 0) this.l1.setNow(keys[i]!, fetched, ttlMs)
      return fetched
    })
  }

  keepLocal(key: string, value: StoreValue, ttlMs: number): void {
    // Only while the bus is up: a copy made while invalidations cannot reach L1 would outlive them.
    if (this.bus.healthy && ttlMs > 0) this.l1.setNow(key, value, ttlMs)
  }

  async set(key: string, value: StoreValue, ttlMs: number): Promise<void> {
    await this.#writeThrough([[key, value]], ttlMs, () => this.l2.setAnnounced([[key, value]], ttlMs, this.#origin))
  }

  async add(key: string, value: StoreValue, ttlMs: number): Promise<boolean> {
    return this.l2.add(key, value, ttlMs)
  }

  lookupAndLock(entryKey: string, versionKeys: readonly string[], initial: readonly string[], versionTtlMs: number, lock: LockRequest): Promise<LookupAndLock> {
    const sequence = this.bus.sequence
    // The versions go to L1 as getOrInit's do; the entry is kept locally once it is judged valid.
    // (`then`, not an async function: a miss's one round trip pays for no extra promise here.)
    return this.l2.lookupAndLock(entryKey, versionKeys, initial, versionTtlMs, lock).then((found) => {
      this.#keepVersions(sequence, versionKeys, found.versions, versionTtlMs)
      return found
    })
  }

  async setAndUnlock(key: string, value: StoreValue, ttlMs: number, lock: { key: string; token: string }): Promise<void> {
    await this.#writeThrough([[key, value]], ttlMs, () => this.l2.setAndUnlock(key, value, ttlMs, lock))
  }

  async getOrInit(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<string[]> {
    const sequence = this.bus.sequence
    const values = await this.l2.getOrInit(keys, initial, ttlMs)
    this.#keepVersions(sequence, keys, values, ttlMs)
    return values
  }

  async setMany(entries: readonly [string, string][], ttlMs: number): Promise<void> {
    await this.#writeThrough(entries, ttlMs, () => this.l2.setMany(entries, ttlMs, this.#origin))
  }

  async delete(keys: readonly string[]): Promise<number> {
    return this.#change(() => void this.l1.delete(keys), () => this.l2.delete(keys, this.#origin))
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return this.l2.deleteIfEquals(key, value)
  }

  async incrBy(key: string, delta: number, ttlMs: number): Promise<number> {
    return this.#change(() => void this.l1.delete([key]), () => this.l2.incrBy(key, delta, ttlMs, this.#origin))
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    await this.l1.expire(key, ttlMs)
    return this.l2.expire(key, ttlMs, this.#origin)
  }

  async ping(): Promise<void> {
    await this.l2.ping()
  }

  async clear(prefix: string): Promise<void> {
    await this.#change(() => void this.l1.clear(prefix), () => this.l2.clear(prefix, this.#origin))
  }

  /** Stops the bus and closes its connection if this store created it. Never closes l2's client. */
  async close(): Promise<void> {
    await this.bus.close()
  }

  /** Starts the bus on `channel`; l2 announces every change there (once: the tiered store publishes nothing itself). */
  #start(channel: string): void {
    if (this.bus.channel !== undefined) return
    this.l2.bindChannel(channel)
    this.bus.start(channel, (ch, handlers) => this.l2.subscribe(ch, handlers, this.#connection))
  }

  /**
   * Changes L2 (which announces it to the other processes) and evicts what it touches from L1,
   * before and again after: a read whose fetch overlapped the change may have copied the old value
   * into L1 meanwhile, and our own announcement, which we ignore, would not evict it. Counting the
   * change keeps the reads still in flight from copying afterwards.
   */
  async #change<T>(evict: () => void, change: () => Promise<T>): Promise<T> {
    evict()
    try {
      return await change()
    } finally {
      this.bus.countChange()
      evict()
    }
  }

  /** Writes L2 (which announces the change); copies into L1 only if nothing arrived meanwhile. */
  async #writeThrough(entries: readonly [string, StoreValue][], ttlMs: number, write: () => Promise<void>): Promise<void> {
    const sequence = this.bus.sequence
    try {
      await write()
    } finally {
      if (this.bus.healthy && this.bus.sequence === sequence) for (const [key, value] of entries) this.l1.setNow(key, value, ttlMs)
      else void this.l1.delete(entries.map(([key]) => key))
    }
  }

  /** Copies versions read from L2 into L1, unless an announcement arrived since `sequence` (then L1 forgets them). */
  #keepVersions(sequence: number, keys: readonly string[], versions: readonly string[], ttlMs: number): void {
    if (!this.bus.healthy || this.bus.sequence !== sequence) void this.l1.delete(keys)
    else keys.forEach((key, i) => this.l1.setNow(key, versions[i]!, ttlMs))
  }

  #apply(message: BusMessage): void {
    if (message.type === 'del') void this.l1.delete(message.keys)
    else void this.l1.clear(message.prefix)
  }
}
