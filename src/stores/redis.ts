/**
 * Redis store, on ioredis or node-redis, on one server or a Redis Cluster. Reads of an entry and
 * its dependency versions are one MGET on one server, one MGET per hash slot (in parallel) on a
 * cluster; version capture is `SET NX GET` per key; `clear()` walks the namespace with SCAN on
 * every master (never KEYS). The caller owns the client: we never close it.
 */
import { checkBuckets } from '../codec/key-layout.js'
import { CacheConfigError, CacheNotIntegerError } from '../errors.js'
import { newOrigin } from './bus.js'
import { ioredisDriver, isIoredis } from './ioredis-driver.js'
import { isNodeRedis, nodeRedisDriver } from './node-redis-driver.js'
import { escapeGlob, type Announcement, type RedisDriver, type Subscription, type SubscriptionHandlers } from './redis-driver.js'
import type { CacheStore, LockRequest, LookupAndLock, StoreValue } from './store.js'

/**
 * A Redis client the store accepts: an ioredis `Redis` or `Cluster`, or a node-redis client or
 * cluster (`createClient()` / `createCluster()` of the `redis` package). Structural on purpose, so
 * these types compile without either package installed.
 */
export type RedisClient = IoredisLike | NodeRedisLike

/** The shape of an ioredis `Redis` or `Cluster`. */
export interface IoredisLike {
  defineCommand(...args: never[]): unknown
  mgetBuffer(...args: never[]): unknown
}

/** The shape of a node-redis client or cluster. */
export interface NodeRedisLike {
  sendCommand(...args: never[]): unknown
  isOpen: boolean
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** The client; the caller owns it (connects and closes it). */
  client: RedisClient
  /**
   * The bus channel of `tieredStore` processes sharing this Redis: version bumps, deletes and
   * clears are announced there, after the change, so their L1 copies are evicted. `false`
   * announces nothing. @default '<namespace>:bus' (the namespace of the cacheExtension using the store)
   */
  channel?: string | false
  /**
   * Replicas that must acknowledge a version bump (`WAIT`) before an invalidation counts as done;
   * a bump that fewer replicas acknowledged within a second fails and is retried. Set it to 1 when
   * every master has a replica, so a failover cannot lose an acknowledged invalidation. `0`
   * does not wait. @default 0
   */
  replicas?: number
  /**
   * On a Redis Cluster: how many buckets (hash slots) a namespace's keys spread over. Each entry
   * lives in one bucket with its lock and its own copy of the versions it depends on, so a hit is
   * one `MGET` on one node; a version bump writes every bucket's copy (one pipeline per master).
   * More buckets spread load over more slots and make bumps larger; use at least a few per master.
   * Ignored on a single server, where keys need no placement. @default 16
   */
  buckets?: number
}

/** Buckets of a cluster's key layout unless `buckets` says otherwise. */
const DEFAULT_BUCKETS = 16

/** A store on Redis. */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options)
}

/** The class behind {@link redisStore}. */
export class RedisStore implements CacheStore {
  readonly kind = 'redis'
  readonly shared = true
  /** Buckets of the key layout: `buckets` on a cluster, 1 on a single server. */
  readonly buckets: number
  /** The client given in the options. */
  readonly client: RedisClient
  /**
   * Tags the announcements of changes made on this store directly. A tiered store passes its own
   * origin with the changes it makes through this one, so each tiered store over it ignores only
   * its own announcements (two of them may share one redisStore).
   */
  readonly origin = newOrigin()
  /** @internal The commands, for this client and topology. */
  readonly driver: RedisDriver
  readonly #replicas: number
  #channel: string | false | undefined

  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new CacheConfigError('redisStore', 'an options object with a client', options)
    for (const key of Object.keys(options)) {
      if (!['client', 'channel', 'replicas', 'buckets'].includes(key)) throw new CacheConfigError(`redisStore.${key}`, 'a known option (client, channel, replicas, buckets)', 'an unknown option')
    }
    const { channel, replicas = 0, buckets = DEFAULT_BUCKETS } = options
    if (channel !== undefined && channel !== false && (typeof channel !== 'string' || channel.length === 0)) {
      throw new CacheConfigError('redisStore.channel', 'a non-empty string or false', channel)
    }
    if (!Number.isInteger(replicas) || replicas < 0) throw new CacheConfigError('redisStore.replicas', 'an integer >= 0', replicas)
    checkBuckets('redisStore.buckets', buckets)
    this.#channel = channel
    this.#replicas = replicas
    if (isIoredis(options.client)) this.driver = ioredisDriver(options.client)
    else if (isNodeRedis(options.client)) this.driver = nodeRedisDriver(options.client)
    else throw new CacheConfigError('redisStore.client', 'an ioredis Redis or Cluster, or a node-redis client or cluster', options.client)
    this.client = options.client
    this.buckets = this.driver.cluster ? buckets : 1
  }

  /** Where changes are announced for tiered processes (`undefined`: nowhere, or not attached yet). */
  get channel(): string | undefined {
    return this.#channel === false ? undefined : this.#channel
  }

  /** Learns the namespace: the default channel becomes `<namespace>:bus` (an explicit one stays). */
  attach(context: { namespace: string }): void {
    if (this.#channel === undefined) this.#channel = `${context.namespace}:bus`
  }

  /** @internal The tiered store around this one announces on its bus channel, whatever this store's own option. */
  bindChannel(channel: string): void {
    this.#channel = channel
  }

  /** @internal Subscribes to `channel` on a connection of its own (or `connection`). */
  subscribe(channel: string, handlers: SubscriptionHandlers, connection?: unknown): Subscription {
    return this.driver.subscribe(channel, handlers, connection)
  }

  async mget(keys: readonly string[]): Promise<(StoreValue | undefined)[]> {
    if (keys.length === 0) return [] // a bare MGET is a Redis error, which would count toward the breaker
    return (await this.driver.mget(keys)).map((v) => v ?? undefined)
  }

  /** Values with their remaining TTL in ms (-1 without TTL). */
  async mgetWithTtl(keys: readonly string[]): Promise<[StoreValue | undefined, number][]> {
    if (keys.length === 0) return []
    return (await this.driver.mgetWithTtl(keys)).map(([value, ttl]) => [value ?? undefined, ttl])
  }

  async set(key: string, value: StoreValue, ttlMs: number): Promise<void> {
    await this.driver.set(key, value, ttlMs, false)
  }

  /** @internal Sets every entry and announces them as `origin`'s (the tiered store's writes), without waiting for replicas. */
  async setAnnounced(entries: readonly [string, StoreValue][], ttlMs: number, origin: string): Promise<void> {
    await this.driver.setMany(entries, ttlMs, this.#announcement({ type: 'del', keys: entries.map(([key]) => key) }, origin), 0)
  }

  async add(key: string, value: StoreValue, ttlMs: number): Promise<boolean> {
    return this.driver.set(key, value, ttlMs, true)
  }

  async lookupAndLock(entryKey: string, versionKeys: readonly string[], initial: readonly string[], versionTtlMs: number, lock: LockRequest): Promise<LookupAndLock> {
    return this.driver.lookupAndLock(entryKey, versionKeys, initial, versionTtlMs, lock)
  }

  async setAndUnlock(key: string, value: StoreValue, ttlMs: number, lock: { key: string; token: string }): Promise<void> {
    await this.driver.setAndUnlock(key, value, ttlMs, lock)
  }

  async getOrInit(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<string[]> {
    return (await this.driver.setNxGet(keys, initial, ttlMs)).map((previous, i) => previous ?? initial[i]!)
  }

  /** `origin` (internal): the tiered store making this change, else this store. */
  async setMany(entries: readonly [string, string][], ttlMs: number, origin = this.origin): Promise<void> {
    await this.driver.setMany(entries, ttlMs, this.#announcement({ type: 'del', keys: entries.map(([key]) => key) }, origin), this.#replicas)
  }

  /** `origin` (internal): the tiered store making this change, else this store. */
  async delete(keys: readonly string[], origin = this.origin): Promise<number> {
    if (keys.length === 0) return 0
    return this.driver.unlink(keys, this.#announcement({ type: 'del', keys: [...keys] }, origin))
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return this.driver.deleteIfEquals(key, value)
  }

  /** `origin` (internal): the tiered store making this change, else this store. */
  async incrBy(key: string, delta: number, ttlMs: number, origin = this.origin): Promise<number> {
    const value = await this.driver.incrWithTtl(key, delta, ttlMs).catch((error: unknown) => {
      throw /not an integer|overflow/i.test(String(error)) ? new CacheNotIntegerError(key, error) : error
    })
    await this.#announce({ type: 'del', keys: [key] }, origin)
    return value
  }

  /** `origin` (internal): the tiered store making this change, else this store. */
  async expire(key: string, ttlMs: number, origin = this.origin): Promise<boolean> {
    const found = await this.driver.pexpire(key, ttlMs)
    // Other L1 copies hold the old TTL: they are evicted and read L2's remaining one again.
    if (found) await this.#announce({ type: 'del', keys: [key] }, origin)
    return found
  }

  async ping(): Promise<void> {
    await this.driver.ping()
  }

  /** `origin` (internal): the tiered store making this change, else this store. */
  async clear(prefix: string, origin = this.origin): Promise<void> {
    await this.driver.deleteMatching(escapeGlob(prefix) + '*')
    await this.#announce({ type: 'clear', prefix }, origin)
  }

  /**
   * The announcement of a change, sent after it: a tiered process that receives it evicts those
   * keys from its L1. Plain Redis processes need no bus themselves.
   */
  #announcement(message: { type: 'del'; keys: string[] } | { type: 'clear'; prefix: string }, origin: string): Announcement | undefined {
    const channel = this.channel
    return channel === undefined ? undefined : { channel, payload: JSON.stringify({ ...message, origin }) }
  }

  async #announce(message: { type: 'del'; keys: string[] } | { type: 'clear'; prefix: string }, origin: string): Promise<void> {
    const announcement = this.#announcement(message, origin)
    if (announcement) await this.driver.publish(announcement.channel, announcement.payload)
  }
}
