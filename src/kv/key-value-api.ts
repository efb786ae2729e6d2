/**
 * The low-level cache over the same store, serializer and namespace (Django's cache API in
 * TypeScript). Entries carry the same version header as Prisma reads: user tags, and for
 * `getOrSet` the dependencies of every Prisma read made inside its function.
 */
import { userTag } from '../dependencies/tags.js'
import type { CacheEngine } from '../engine.js'
import { CacheConfigError } from '../errors.js'
import type { PlacedKey } from '../codec/key-layout.js'
import { seconds } from '../options.js'
import { tagList } from '../read/policy.js'
import { decodePayload, encodeEntry, parseEntry, serializeValue, type EntryHeader } from '../codec/entry.js'
import type { StoreValue } from '../stores/store.js'
import { versionsMatch } from '../read/validity.js'
import { track } from './tracking.js'
import { captureVersions } from '../dependencies/versions.js'

/** Options of `set`, `add`, `setMany` and `getOrSet`. */
export interface SetOptions {
  /** Seconds the value is fresh. @default the extension's `ttl` */
  ttl?: number
  /** User tags for `$cache.invalidate({ tags })`. */
  tags?: string[]
}

/** Key/value operations of `prisma.$cache`. */
export interface KeyValueApi {
  /** The value under `key`, or `undefined` when absent, expired or invalidated. */
  get<T = unknown>(key: string): Promise<T | undefined>
  /** Stores `value` under `key`. */
  set(key: string, value: unknown, options?: SetOptions): Promise<void>
  /** Stores `value` only if `key` holds nothing valid; resolves `true` when it stored. */
  add(key: string, value: unknown, options?: SetOptions): Promise<boolean>
  /** The value under `key`, or the result of `fn` (stored with the dependencies of the Prisma reads inside it). */
  getOrSet<T>(key: string, fn: () => T | Promise<T>, options?: SetOptions): Promise<T>
  /** Whether `key` holds a valid value. */
  has(key: string): Promise<boolean>
  /** Deletes `key`; resolves `true` when it existed. */
  delete(key: string): Promise<boolean>
  /** A map of the valid values among `keys` (absent keys left out). */
  getMany<T = unknown>(keys: string[]): Promise<Map<string, T>>
  /** Stores every value of `values`. */
  setMany(values: Record<string, unknown>, options?: SetOptions): Promise<void>
  /** Deletes `keys`; resolves how many existed. */
  deleteMany(keys: string[]): Promise<number>
  /** Adds `delta` to the integer under `key` (starting from 0) and resolves the result. */
  incr(key: string, delta?: number): Promise<number>
  /** Subtracts `delta` from the integer under `key` and resolves the result. */
  decr(key: string, delta?: number): Promise<number>
  /** Gives `key` a new lifetime (`ttl` seconds, default the extension's); resolves `false` when absent. */
  touch(key: string, ttl?: number): Promise<boolean>
}

const INTEGER = /^-?\d{1,16}$/

/** Builds the key/value half of `$cache`. */
export function createKeyValueApi(engine: CacheEngine): KeyValueApi {
  const placed = (k: unknown): PlacedKey => {
    if (typeof k !== 'string' || k.length === 0) throw new CacheConfigError('key', 'a non-empty string', k)
    return engine.keys.user(k)
  }
  const key = (k: unknown) => placed(k).key
  const ttlOf = (options: SetOptions | undefined) => (options?.ttl === undefined ? engine.options.ttlMs : seconds('ttl', options.ttl, false))
  const tagsOf = (options: SetOptions | undefined) => (options?.tags === undefined ? [] : tagList('tags', options.tags).map(userTag))

  async function readMany(keys: PlacedKey[]): Promise<unknown[]> {
    let raws: (StoreValue | undefined)[]
    try {
      raws = await engine.guard.call('get', (s) => s.mget(keys.map((k) => k.key)))
    } catch (error) {
      engine.report(error)
      return keys.map(() => undefined)
    }
    return Promise.all(raws.map((raw, i) => (raw === undefined ? undefined : decodeValid(raw, keys[i]!))))
  }

  async function decodeValid(raw: StoreValue, { key: storeKey, bucket }: PlacedKey): Promise<unknown> {
    const text = typeof raw === 'string' ? raw : raw.length <= 17 ? raw.toString() : ''
    if (INTEGER.test(text)) return Number(text)
    try {
      // The store's own TTL decides a value's lifetime (so `touch` is one atomic PEXPIRE); the
      // header's times only describe when it was written.
      const entry = parseEntry(raw, engine.signer, storeKey)
      const deps = entry.header.deps
      if (deps.length > 0) {
        // As for Prisma reads: an invalidation still waiting to reach the store may be the one
        // that should have replaced this value, so it is absent until the retry lands.
        if (engine.hasPending(deps.map(([tag]) => engine.keys.unqualify(tag)))) return undefined
        const current = await engine.guard.call('get', (s) => s.mget(deps.map(([tag]) => engine.keys.version(tag, bucket))))
        if (!versionsMatch(deps, current)) return undefined
      }
      return await decodePayload(entry)
    } catch (error) {
      engine.report(error)
      return undefined
    }
  }

  /** The stored form of `value` (an integer without dependencies stays plain text, so `incr` works on it); `undefined` when too large to cache. */
  async function encode(storeKey: string, value: unknown, ttlMs: number, deps: [string, string][]): Promise<StoreValue | undefined> {
    if (deps.length === 0 && Number.isSafeInteger(value)) return String(value)
    const now = Date.now()
    const header: Omit<EntryHeader, 'escaped' | 'compressed'> = { deps, createdAt: now, freshUntil: now + ttlMs, staleUntil: now + ttlMs }
    const encoded = await encodeEntry(serializeValue(value), header, { maxBytes: engine.options.maxEntryBytes, compressAbove: engine.compressAbove }, engine.signer, storeKey)
    if (encoded === undefined) {
      engine.events.counts.skips++
      engine.events.emit('skip', { key: storeKey })
    }
    return encoded
  }

  async function write(storeKey: string, value: unknown, ttlMs: number, deps: [string, string][]): Promise<void> {
    const encoded = await encode(storeKey, value, ttlMs, deps)
    if (encoded === undefined) return
    await engine.guard.call('set', (s) => s.set(storeKey, encoded, ttlMs))
    if (!(deps.length === 0 && Number.isSafeInteger(value))) engine.events.counts.sets++
  }

  /**
   * Stores `value` only if `k` holds nothing valid, with the store's set-if-absent (atomic across
   * processes); `false` when something valid is there, the value is too large, or the store failed.
   */
  async function add(k: string, value: unknown, options?: SetOptions): Promise<boolean> {
    const at = placed(k)
    const ttlMs = ttlOf(options)
    const tags = tagsOf(options)
    try {
      await dropInvalid(at)
      const encoded = await encode(at.key, value, ttlMs, await capture(tags, at.bucket))
      if (encoded === undefined) return false
      const added = await engine.guard.call('add', (s) => s.add(at.key, encoded, ttlMs))
      if (added) engine.events.counts.sets++
      return added
    } catch (error) {
      engine.report(error, { key: at.key })
      return false
    }
  }

  /**
   * Deletes what `at` holds when it is no longer valid (invalidated, pending, corrupt), so `add`
   * does not see it as present. A text value is deleted only while unchanged: a concurrent `add`
   * may just have replaced it with a valid one.
   */
  async function dropInvalid(at: PlacedKey): Promise<void> {
    const [raw] = await engine.guard.call('get', (s) => s.mget([at.key]))
    if (raw === undefined || (await decodeValid(raw, at)) !== undefined) return
    if (typeof raw === 'string') await engine.guard.call('delete', (s) => s.deleteIfEquals(at.key, raw))
    else await engine.guard.call('delete', (s) => s.delete([at.key]))
  }

  async function capture(tags: string[], bucket: number): Promise<[string, string][]> {
    const versions = await captureVersions(engine.guard, tags.map((tag) => engine.keys.version(tag, bucket)), tags.map(() => undefined))
    return tags.map((tag, i) => [tag, versions[i]!])
  }

  async function set(k: string, value: unknown, options?: SetOptions): Promise<void> {
    const { key: storeKey, bucket } = placed(k)
    const ttlMs = ttlOf(options)
    const tags = tagsOf(options)
    try {
      await write(storeKey, value, ttlMs, await capture(tags, bucket))
    } catch (error) {
      engine.report(error, { key: storeKey })
    }
  }

  const api: KeyValueApi = {
    get: async <T>(k: string) => (await readMany([placed(k)]))[0] as T | undefined,
    set,
    add,
    async getOrSet<T>(k: string, fn: () => T | Promise<T>, options?: SetOptions): Promise<T> {
      const at = placed(k)
      const storeKey = at.key
      const cached = (await readMany([at]))[0]
      if (cached !== undefined) return cached as T
      const ttlMs = ttlOf(options)
      let userDeps: [string, string][] | undefined
      try {
        userDeps = await capture(tagsOf(options), at.bucket)
      } catch (error) {
        engine.report(error, { key: storeKey })
      }
      const { value, tracker } = await track(fn, at.bucket, engine.keys)
      if (userDeps && !tracker.incomplete) {
        try {
          await write(storeKey, value, ttlMs, [...userDeps, ...tracker.versions])
        } catch (error) {
          engine.report(error, { key: storeKey })
        }
      }
      return value
    },
    has: async (k) => (await api.get(k)) !== undefined,
    async delete(k) {
      return (await api.deleteMany([k])) > 0
    },
    async getMany<T>(keys: string[]): Promise<Map<string, T>> {
      const values = await readMany(keys.map(placed))
      const out = new Map<string, T>()
      keys.forEach((k, i) => values[i] !== undefined && out.set(k, values[i] as T))
      return out
    },
    async setMany(values, options) {
      await Promise.all(Object.entries(values).map(([k, v]) => set(k, v, options)))
    },
    async deleteMany(keys) {
      const storeKeys = keys.map(key)
      try {
        return await engine.guard.call('delete', (s) => s.delete(storeKeys), true)
      } catch (error) {
        engine.report(error)
        return 0
      }
    },
    incr: async (k, delta = 1) => incrBy(engine, key(k), delta),
    decr: async (k, delta = 1) => incrBy(engine, key(k), -delta),
    async touch(k, ttl) {
      const storeKey = key(k) // a bad key is the caller's error, not a store failure for the breaker
      const ttlMs = ttl === undefined ? engine.options.ttlMs : seconds('ttl', ttl, false)
      try {
        return await engine.guard.call('touch', (s) => s.expire(storeKey, ttlMs))
      } catch (error) {
        engine.report(error)
        return false
      }
    },
  }
  return api
}

/** Counters have no fallback value: a store failure or a non-integer value rejects. */
async function incrBy(engine: CacheEngine, storeKey: string, delta: number): Promise<number> {
  if (!Number.isSafeInteger(delta)) throw new CacheConfigError('delta', 'a safe integer', delta)
  return engine.guard.call('incr', (s) => s.incrBy(storeKey, delta, engine.options.ttlMs))
}
