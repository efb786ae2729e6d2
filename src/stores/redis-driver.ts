/**
 * The few Redis operations the Redis store needs, behind one small interface, so the store is
 * written once for every client (ioredis, node-redis) and topology (one server, a cluster).
 * Each driver decides how to send an operation without multi-slot commands on a cluster; the
 * store above never knows which one it talks to.
 */

import type { LockRequest, LookupAndLock } from './store.js'

/** A message on a pub/sub channel, announced after the change it describes. */
export interface Announcement {
  channel: string
  payload: string
}

/** What a subscription reports to the bus. */
export interface SubscriptionHandlers {
  onMessage(payload: Buffer): void
  /** `false` whenever messages may have been missed (connection lost, node gone); `true` once subscribed again. */
  onHealthChange(healthy: boolean): void
}

/** A live subscription to one channel on a connection of its own. */
export interface Subscription {
  close(): Promise<void>
}

/** One single-key command of a {@link RedisDriver.batch}. */
export type BatchCommand =
  | { op: 'get'; key: string }
  /** `SET key value NX PX ttl GET`: replies the previous value, null when it was absent (and is now `value`). */
  | { op: 'setNxGet'; key: string; value: string; ttlMs: number }
  /** `SET key value PX ttl`, with NX when `onlyIfAbsent`: replies whether it stored. */
  | { op: 'set'; key: string; value: string | Buffer; ttlMs: number; onlyIfAbsent?: boolean }
  /** Compare-and-delete (Lua): replies whether it deleted. */
  | { op: 'deleteIfEquals'; key: string; value: string }

/** The reply of each {@link BatchCommand}, in order: `Buffer | null`, `string | null`, `boolean`, `boolean`. */
export type BatchReply = Buffer | string | boolean | null

/** The Redis operations of the store, each on one client and topology. */
export interface RedisDriver {
  /** The client library detected: `'ioredis'` or `'node-redis'`. */
  readonly client: 'ioredis' | 'node-redis'
  /** Whether the client is a cluster (then keys are spread over buckets). */
  readonly cluster: boolean
  /** Values of `keys` (null where absent): one MGET on a single server, one per hash slot in parallel on a cluster. */
  mget(keys: readonly string[]): Promise<(Buffer | null)[]>
  /**
   * Single-key commands sent together, executed in order on each server: one pipeline on a single
   * server, one per hash slot (in parallel) on a cluster. Throws the first command error.
   */
  batch(commands: readonly BatchCommand[]): Promise<BatchReply[]>
  /** {@link CacheStore.lookupAndLock}: one script on a single server, else a {@link batch}. */
  lookupAndLock(entryKey: string, versionKeys: readonly string[], initial: readonly string[], versionTtlMs: number, lock: LockRequest): Promise<LookupAndLock>
  /** {@link CacheStore.setAndUnlock}: one script on a single server, else a {@link batch} (write first). */
  setAndUnlock(key: string, value: string | Buffer, ttlMs: number, lock: { key: string; token: string }): Promise<void>
  /** Values with their remaining TTL in ms (-1 without TTL, -2 absent). */
  mgetWithTtl(keys: readonly string[]): Promise<[Buffer | null, number][]>
  /** SET with PX, and NX when `onlyIfAbsent`; resolves whether it stored. */
  set(key: string, value: string | Buffer, ttlMs: number, onlyIfAbsent: boolean): Promise<boolean>
  /** `SET key initial NX PX ttl GET` for each key; the previous value, null where it was absent. */
  setNxGet(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<(string | null)[]>
  /**
   * Sets every entry, then announces; when `replicas` > 0, resolves only once that many replicas
   * of each master written acknowledged the writes (WAIT), else throws.
   */
  setMany(entries: readonly [string, string | Buffer][], ttlMs: number, announce: Announcement | undefined, replicas: number): Promise<void>
  /** UNLINKs `keys` and announces; resolves how many existed. */
  unlink(keys: readonly string[], announce: Announcement | undefined): Promise<number>
  /** Compare-and-delete of one key (Lua). */
  deleteIfEquals(key: string, value: string): Promise<boolean>
  /** INCRBY that sets the TTL of a new key (Lua). */
  incrWithTtl(key: string, delta: number, ttlMs: number): Promise<number>
  pexpire(key: string, ttlMs: number): Promise<boolean>
  publish(channel: string, payload: string): Promise<void>
  /** PING (any node of a cluster); rejects when the server does not answer. */
  ping(): Promise<void>
  /** SCAN + UNLINK of every key matching `pattern` on every master. */
  deleteMatching(pattern: string): Promise<void>
  /**
   * Subscribes to `channel` on a new connection this driver owns (closed by `Subscription.close`),
   * or on `connection`, a client of the same library to one server or any cluster node, which the
   * caller owns.
   */
  subscribe(channel: string, handlers: SubscriptionHandlers, connection?: unknown): Subscription
}

/** {@link RedisDriver.lookupAndLock} as single-key commands, for clusters and clients without scripts. */
export async function lookupAndLockInBatch(driver: RedisDriver, entryKey: string, versionKeys: readonly string[], initial: readonly string[], versionTtlMs: number, lock: LockRequest): Promise<LookupAndLock> {
  const replies = await driver.batch([
    { op: 'get', key: entryKey },
    ...versionKeys.map((key, i) => ({ op: 'setNxGet' as const, key, value: initial[i]!, ttlMs: versionTtlMs })),
    { op: 'set', key: lock.key, value: lock.token, ttlMs: lock.ttlMs, onlyIfAbsent: true },
  ])
  return {
    entry: (replies[0] as Buffer | null) ?? undefined,
    versions: versionKeys.map((_, i) => (replies[i + 1] as string | null) ?? initial[i]!),
    locked: replies[replies.length - 1] === true,
  }
}

/** {@link RedisDriver.setAndUnlock} as single-key commands; on one server they run in this order. */
export async function setAndUnlockInBatch(driver: RedisDriver, key: string, value: string | Buffer, ttlMs: number, lock: { key: string; token: string }): Promise<void> {
  await driver.batch([{ op: 'set', key, value, ttlMs }, { op: 'deleteIfEquals', key: lock.key, value: lock.token }])
}

/**
 * Lua of {@link RedisDriver.lookupAndLock} on one server. KEYS: the entry, the versions, the lock;
 * ARGV: each version's initial value, the version TTL, the lock token, the lock TTL. Replies the
 * entry, each version's previous value (false where it was created) and the lock's SET reply.
 */
export const LOOKUP_AND_LOCK = `local n = #KEYS
local out = { redis.call('get', KEYS[1]) }
for i = 2, n - 1 do out[i] = redis.call('set', KEYS[i], ARGV[i - 1], 'PX', ARGV[n - 1], 'NX', 'GET') end
out[n] = redis.call('set', KEYS[n], ARGV[n], 'PX', ARGV[n + 1], 'NX')
return out`

/** Lua of {@link RedisDriver.setAndUnlock} on one server: KEYS entry, lock; ARGV value, TTL, token. */
export const SET_AND_UNLOCK = `redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('get', KEYS[2]) == ARGV[3] then redis.call('del', KEYS[2]) end
return 1`

/** Lua of {@link RedisDriver.deleteIfEquals}: one key, so it runs on any topology. */
export const DELETE_IF_EQUALS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`
/** Lua of {@link RedisDriver.incrWithTtl}: one key. */
export const INCR_WITH_TTL = `local v = redis.call('incrby', KEYS[1], ARGV[1]) if redis.call('pttl', KEYS[1]) < 0 then redis.call('pexpire', KEYS[1], ARGV[2]) end return v`

/** `text` as a SCAN MATCH pattern that matches it literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => '\\' + c)
}

/** Redis wants whole milliseconds of at least 1. */
export function toTtl(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs))
}

/** The error thrown when WAIT saw fewer replicas than asked: the write may not survive a failover. */
export function replicaShortfall(acknowledged: number, wanted: number): Error {
  return new Error(`WAIT: ${acknowledged} of ${wanted} replica(s) acknowledged the version bump in time`)
}
