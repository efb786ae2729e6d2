/**
 * Redis store on ioredis. Reads of an entry and its dependency versions are one MGET; version
 * capture is one pipeline of `SET NX GET`; `clear()` walks the namespace with SCAN (never KEYS).
 * The caller owns the client: we never close it.
 */
import { randomBytes } from 'node:crypto'
import type { Redis, Cluster } from 'ioredis'
import { CacheConfigError, CacheNotIntegerError } from '../errors.js'
import type { CacheStore, StoreValue } from './store.js'

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster` client; the caller owns it (and closes it). */
  client: Redis | Cluster
  /**
   * The bus channel of `tieredStore` processes sharing this Redis: version bumps, deletes and
   * clears are announced there (in the same pipeline), so their L1 copies are evicted. `false`
   * announces nothing. @default 'prisma-query-cache:bus'
   */
  channel?: string | false
}

/** The channel `tieredStore` and `redisStore` announce changes on unless told otherwise. */
export const DEFAULT_BUS_CHANNEL = 'prisma-query-cache:bus'

const DELETE_IF_EQUALS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`
const INCR_WITH_TTL = `local v = redis.call('incrby', KEYS[1], ARGV[1]) if redis.call('pttl', KEYS[1]) < 0 then redis.call('pexpire', KEYS[1], ARGV[2]) end return v`

type ScriptedClient = (Redis | Cluster) & {
  pqcDeleteIfEquals(key: string, value: string): Promise<number>
  pqcIncrWithTtl(key: string, delta: number, ttlMs: number): Promise<number>
}

/** A store on Redis through ioredis. */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options)
}

/** The class behind {@link redisStore}. */
export class RedisStore implements CacheStore {
  readonly kind = 'redis'
  readonly shared = true
  readonly client: Redis | Cluster
  /** Where changes are announced for tiered processes (`undefined`: nowhere). */
  readonly channel: string | undefined
  readonly #origin = randomBytes(8).toString('base64url')
  readonly #scripted: ScriptedClient

  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new CacheConfigError('redisStore', 'an options object with a client', options)
    for (const key of Object.keys(options)) {
      if (key !== 'client' && key !== 'channel') throw new CacheConfigError(`redisStore.${key}`, 'a known option (client, channel)', 'an unknown option')
    }
    const channel = options.channel ?? DEFAULT_BUS_CHANNEL
    if (channel !== false && (typeof channel !== 'string' || channel.length === 0)) {
      throw new CacheConfigError('redisStore.channel', 'a non-empty string or false', channel)
    }
    this.channel = channel === false ? undefined : channel
    const client = options.client as unknown as Record<string, unknown> | undefined
    if (!client || typeof client.mgetBuffer !== 'function' || typeof client.defineCommand !== 'function') {
      throw new CacheConfigError('redisStore.client', 'an ioredis Redis or Cluster instance', options.client)
    }
    this.client = options.client
    this.#scripted = defineScripts(options.client)
  }

  async mget(keys: readonly string[]): Promise<(StoreValue | undefined)[]> {
    const values = await this.client.mgetBuffer(...(keys as string[]))
    return values.map((v) => v ?? undefined)
  }

  /** Values with their remaining TTL in ms (-1 without TTL), in one round trip. */
  async mgetWithTtl(keys: readonly string[]): Promise<[StoreValue | undefined, number][]> {
    const pipeline = this.client.pipeline()
    pipeline.mgetBuffer(...(keys as string[]))
    for (const key of keys) pipeline.pttl(key)
    const results = (await pipeline.exec()) ?? []
    for (const [error] of results) if (error) throw error
    const values = results[0]![1] as (Buffer | null)[]
    return values.map((value, i) => [value ?? undefined, Number(results[i + 1]![1])])
  }

  /** Sets every entry and publishes `payload` on `channel` atomically (MULTI), so subscribers see writes in order. */
  async setAndPublish(entries: readonly [string, StoreValue][], ttlMs: number, channel: string, payload: string): Promise<void> {
    const multi = this.client.multi()
    for (const [key, value] of entries) multi.set(key, value, 'PX', toTtl(ttlMs))
    multi.publish(channel, payload)
    const results = await multi.exec()
    for (const [error] of results ?? []) if (error) throw error
  }

  /** Publishes `payload` on `channel`. */
  async publish(channel: string, payload: string): Promise<void> {
    await this.client.publish(channel, payload)
  }

  async set(key: string, value: StoreValue, ttlMs: number): Promise<void> {
    await this.client.set(key, value, 'PX', toTtl(ttlMs))
  }

  async add(key: string, value: StoreValue, ttlMs: number): Promise<boolean> {
    return (await this.client.set(key, value, 'PX', toTtl(ttlMs), 'NX')) === 'OK'
  }

  async getOrInit(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<string[]> {
    const pipeline = this.client.pipeline()
    keys.forEach((key, i) => pipeline.set(key, initial[i]!, 'PX', toTtl(ttlMs), 'NX', 'GET'))
    const results = (await pipeline.exec()) ?? []
    return results.map(([error, previous], i) => {
      if (error) throw error
      return previous === null || previous === undefined ? initial[i]! : String(previous)
    })
  }

  async setMany(entries: readonly [string, string][], ttlMs: number): Promise<void> {
    if (entries.length === 1 && this.channel === undefined) return void (await this.client.set(entries[0]![0], entries[0]![1], 'PX', toTtl(ttlMs)))
    const pipeline = this.client.pipeline()
    for (const [key, value] of entries) pipeline.set(key, value, 'PX', toTtl(ttlMs))
    this.#announce(pipeline, { type: 'del', keys: entries.map(([key]) => key) })
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0
    if (this.channel === undefined) return this.client.unlink(...(keys as string[]))
    const pipeline = this.client.pipeline().unlink(...(keys as string[]))
    this.#announce(pipeline, { type: 'del', keys: [...keys] })
    const results = (await pipeline.exec()) ?? []
    for (const [error] of results) if (error) throw error
    return Number(results[0]![1])
  }

  /**
   * Appends the announcement of a change to `pipeline`, after the change: a tiered process that
   * receives it evicts those keys from its L1. Plain Redis processes need no bus themselves.
   */
  #announce(pipeline: ReturnType<(Redis | Cluster)['pipeline']>, message: { type: 'del'; keys: string[] } | { type: 'clear'; prefix: string }): void {
    if (this.channel !== undefined) pipeline.publish(this.channel, JSON.stringify({ ...message, origin: this.#origin }))
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return (await this.#scripted.pqcDeleteIfEquals(key, value)) === 1
  }

  async incrBy(key: string, delta: number, ttlMs: number): Promise<number> {
    const value = Number(
      await this.#scripted.pqcIncrWithTtl(key, delta, toTtl(ttlMs)).catch((error: unknown) => {
        throw /not an integer|overflow/i.test(String(error)) ? new CacheNotIntegerError(key, error) : error
      }),
    )
    if (this.channel !== undefined) await this.publish(this.channel, JSON.stringify({ type: 'del', keys: [key], origin: this.#origin }))
    return value
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.client.pexpire(key, toTtl(ttlMs))) === 1
  }

  async ping(): Promise<void> {
    await this.client.ping()
  }

  async clear(prefix: string): Promise<void> {
    const nodes = 'nodes' in this.client && typeof this.client.nodes === 'function' && isCluster(this.client)
      ? this.client.nodes('master')
      : [this.client as Redis]
    await Promise.all(nodes.map((node) => clearNode(node, prefix)))
    if (this.channel !== undefined) await this.publish(this.channel, JSON.stringify({ type: 'clear', prefix, origin: this.#origin }))
  }
}

async function clearNode(node: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', escapeGlob(prefix) + '*', 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await node.unlink(...keys)
  } while (cursor !== '0')
}

function defineScripts(client: Redis | Cluster): ScriptedClient {
  const c = client as ScriptedClient
  if (typeof c.pqcDeleteIfEquals !== 'function') client.defineCommand('pqcDeleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS })
  if (typeof c.pqcIncrWithTtl !== 'function') client.defineCommand('pqcIncrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL })
  return c
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true
}

function toTtl(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs))
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => '\\' + c)
}
