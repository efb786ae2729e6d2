/**
 * The contract every store implements. A store moves strings and bytes with millisecond TTLs and
 * knows nothing of Prisma, serialization, tags or locks: those live above it.
 */

/** What a store holds: text, or bytes for compressed entries. */
export type StoreValue = string | Buffer

/** The lock {@link CacheStore.lookupAndLock} tries to take. */
export interface LockRequest {
  key: string
  token: string
  ttlMs: number
}

/** What {@link CacheStore.lookupAndLock} found. */
export interface LookupAndLock {
  entry: StoreValue | undefined
  /** The current version of each key, absent ones created. */
  versions: string[]
  /** True when this call took the lock. */
  locked: boolean
}

/** A place where cache entries live. Implemented by `memoryStore`, `redisStore` and `tieredStore`. */
export interface CacheStore {
  /** Short name for events and errors, e.g. `'memory'` or `'redis'`. */
  readonly kind: string
  /** True when other processes share the data (stampede locks across processes are worth taking). */
  readonly shared: boolean
  /**
   * How many buckets keys are spread over (see `KeyLayout`): a Redis Cluster store keeps each
   * entry with its lock and its own copy of its versions in one hash slot. Absent: 1.
   */
  readonly buckets?: number
  /**
   * Values of `keys`, `undefined` where absent, in one round trip. `consistent` skips any
   * process-local copy (lock waiters need the shared truth).
   */
  mget(keys: readonly string[], consistent?: boolean): Promise<(StoreValue | undefined)[]>
  /**
   * Optional synchronous look-up in process-local memory: the values of `keys` if every one is
   * held locally (and may be served), else `undefined`. Lets an L1 hit skip promises and deadlines.
   */
  peek?(keys: readonly string[]): StoreValue[] | undefined
  /**
   * Optional, for stores held in process memory only (not `shared`): the first look of a read
   * that is probably a miss, synchronously — the entry under `entryKey` and the version under each
   * of `versionKeys`, an absent one set to a new `version()` and reported as such. What
   * `lookupAndLock` is to a shared store, without a lock (the in-process flight is the lock).
   */
  lookupNow?(entryKey: string, versionKeys: readonly string[], version: () => string, versionTtlMs: number): { entry: StoreValue | undefined; versions: string[] }
  /** Optional, for stores held in process memory only: `set`, synchronously. */
  setNow?(key: string, value: StoreValue, ttlMs: number): void
  /**
   * Optional, for stores held in process memory only: runs `write` (which stores `key`'s value,
   * e.g. with `setNow`, or decides not to) on the next turn of the event loop, or sooner, at the
   * first access to `key` by any method — so every caller sees the store as if `write` had run at
   * once. A miss hands its result's encoding to this, off its caller's path. `write` must not throw.
   */
  deferWrite?(key: string, write: () => void): void
  /**
   * Optional: keeps `value` in process-local memory only (a tiered store's L1), e.g. an entry
   * inflated after it was fetched compressed, so the next local hit does not inflate again.
   */
  keepLocal?(key: string, value: StoreValue, ttlMs: number): void
  /**
   * Optional, for shared stores: the first look of a read that is probably a miss, in one round
   * trip — the entry under `entryKey`, the version under each of `versionKeys` (an absent one is
   * set to `initial[i]` and reported as such, so the result is never absent), and an attempt to
   * take `lock` (set only if absent). Without it, a miss costs a second round trip for the lock.
   */
  lookupAndLock?(entryKey: string, versionKeys: readonly string[], initial: readonly string[], versionTtlMs: number, lock: LockRequest): Promise<LookupAndLock>
  /**
   * Optional, for shared stores: stores an entry and then releases its lock (compare-and-delete of
   * `lock.token`) in one round trip. Entries are judged by their versions, so a tiered store need
   * not announce this write to other processes' L1.
   */
  setAndUnlock?(key: string, value: StoreValue, ttlMs: number, lock: { key: string; token: string }): Promise<void>
  /** Stores `value` under `key` for `ttlMs` milliseconds. */
  set(key: string, value: StoreValue, ttlMs: number): Promise<void>
  /** Stores `value` only if `key` is absent; resolves `true` when it stored. */
  add(key: string, value: StoreValue, ttlMs: number): Promise<boolean>
  /** Current value of each key; each absent key is first set to `initial[i]` (so the result is never absent). */
  getOrInit(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<string[]>
  /** Sets each key to its value unconditionally, in one round trip. */
  setMany(entries: readonly [key: string, value: string][], ttlMs: number): Promise<void>
  /** Deletes `keys`; resolves how many existed. */
  delete(keys: readonly string[]): Promise<number>
  /** Deletes `key` only while it still holds `value` (a lock token). */
  deleteIfEquals(key: string, value: string): Promise<boolean>
  /** Adds `delta` to the integer at `key` (0 when absent) and resolves the result. */
  incrBy(key: string, delta: number, ttlMs: number): Promise<number>
  /** Resets the TTL of `key`; resolves `false` when it is absent. */
  expire(key: string, ttlMs: number): Promise<boolean>
  /** Deletes every key starting with `prefix`. */
  clear(prefix: string): Promise<void>
  /** Checks that the store answers (Redis `PING`); rejects when it does not. Used by `health()`. */
  ping?(): Promise<void>
  /**
   * Optional: called once by `cacheExtension()` with its namespace, before any other call, so a
   * store created before the extension can derive names from it (the bus channel `<namespace>:bus`).
   * A store shared by several extensions keeps the first namespace.
   */
  attach?(context: { namespace: string }): void
  /** Releases what the store itself created (never a client the caller passed in). */
  close?(): Promise<void>
}
