/**
 * In-process store: an LRU bounded by entry count and bytes, with per-key TTLs (lru-cache does
 * both, and is the best-kept LRU for Node). Values stay strings/bytes so a hit decodes a fresh copy.
 * A write may be deferred to the next turn of the event loop (`deferWrite`); any access to its key
 * runs it first, so no caller can tell it was late.
 */
import { LRUCache } from 'lru-cache'
import { CacheConfigError, CacheNotIntegerError } from '../errors.js'
import type { CacheStore, StoreValue } from './store.js'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries held at once; the least recently used go first. @default 10000 */
  maxEntries?: number
  /** Most bytes held at once (string length × 2, or byte length). @default 64 MiB */
  maxBytes?: number
}

/** A bounded in-memory store. The default store of `cacheExtension()`. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options)
}

/** The class behind {@link memoryStore}. */
export class MemoryStore implements CacheStore {
  readonly kind = 'memory'
  readonly shared = false
  readonly #lru: LRUCache<string, StoreValue>
  /** Writes handed to {@link deferWrite} that have not run yet, by key. */
  readonly #deferred = new Map<string, () => void>()
  #flushScheduled = false

  constructor(options: MemoryStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new CacheConfigError('memoryStore', 'an options object', options)
    for (const key of Object.keys(options)) {
      if (key !== 'maxEntries' && key !== 'maxBytes') throw new CacheConfigError(`memoryStore.${key}`, 'a known option (maxEntries, maxBytes)', 'an unknown option')
    }
    // Only a missing option takes its default: null is a wrong value, as everywhere else.
    const maxEntries = options.maxEntries === undefined ? 10_000 : options.maxEntries
    const maxBytes = options.maxBytes === undefined ? 64 * 1024 * 1024 : options.maxBytes
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new CacheConfigError('memoryStore.maxEntries', 'an integer >= 1', maxEntries)
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new CacheConfigError('memoryStore.maxBytes', 'an integer >= 1', maxBytes)
    this.#lru = new LRUCache<string, StoreValue>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (value, key) => Math.max(1, sizeOf(value) + key.length * 2),
      // Read the clock on every expiry check. By default lru-cache caches it for 1 ms and arms a
      // 1 ms timer to forget it, which fires while a miss waits for its database: one more wake-up
      // of the process per miss or two, each costly on a VM.
      ttlResolution: 0,
    })
  }

  /** Number of live entries (for tests and stats). */
  get size(): number {
    this.#flushDeferred()
    return this.#lru.size
  }

  /** Bytes the live entries count against `maxBytes` (values and keys, 2 bytes per character of text). */
  get byteSize(): number {
    this.#flushDeferred()
    return this.#lru.calculatedSize
  }

  peek(keys: readonly string[]): StoreValue[] | undefined {
    const values: StoreValue[] = []
    for (const key of keys) {
      this.#settle(key)
      const value = this.#lru.get(key)
      if (value === undefined) return undefined
      values.push(value)
    }
    return values
  }

  lookupNow(entryKey: string, versionKeys: readonly string[], version: () => string, versionTtlMs: number): { entry: StoreValue | undefined; versions: string[] } {
    this.#settle(entryKey)
    const versions = versionKeys.map((key) => this.#getOrInit(key, version, versionTtlMs))
    return { entry: this.#lru.get(entryKey), versions }
  }

  setNow(key: string, value: StoreValue, ttlMs: number): void {
    this.#put(key, value, ttlMs)
  }

  async mget(keys: readonly string[]): Promise<(StoreValue | undefined)[]> {
    return keys.map((key) => {
      this.#settle(key)
      return this.#lru.get(key)
    })
  }

  async set(key: string, value: StoreValue, ttlMs: number): Promise<void> {
    this.setNow(key, value, ttlMs)
  }

  async add(key: string, value: StoreValue, ttlMs: number): Promise<boolean> {
    this.#settle(key)
    if (this.#lru.has(key)) return false
    this.#put(key, value, ttlMs)
    return true
  }

  async getOrInit(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<string[]> {
    return keys.map((key, i) => this.#getOrInit(key, () => initial[i]!, ttlMs))
  }

  async setMany(entries: readonly [string, string][], ttlMs: number): Promise<void> {
    for (const [key, value] of entries) this.#put(key, value, ttlMs)
  }

  async delete(keys: readonly string[]): Promise<number> {
    let deleted = 0
    for (const key of keys) {
      this.#settle(key)
      if (this.#lru.delete(key)) deleted++
    }
    return deleted
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    this.#settle(key)
    if (this.#lru.get(key)?.toString() !== value) return false
    return this.#lru.delete(key)
  }

  async incrBy(key: string, delta: number, ttlMs: number): Promise<number> {
    this.#settle(key)
    const current = this.#lru.get(key)
    const base = current === undefined ? 0 : Number(current.toString())
    if (!Number.isSafeInteger(base)) throw new CacheNotIntegerError(key)
    const next = base + delta
    const remaining = current === undefined ? ttlMs : this.#lru.getRemainingTTL(key)
    this.#put(key, String(next), remaining > 0 && Number.isFinite(remaining) ? remaining : ttlMs)
    return next
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.#settle(key)
    const value = this.#lru.get(key)
    if (value === undefined) return false
    this.#put(key, value, ttlMs)
    return true
  }

  async ping(): Promise<void> {}

  async clear(prefix: string): Promise<void> {
    this.#flushDeferred()
    for (const key of [...this.#lru.keys()]) if (key.startsWith(prefix)) this.#lru.delete(key)
  }

  deferWrite(key: string, write: () => void): void {
    this.#settle(key) // an earlier deferred write of the key lands first, as it would have
    this.#deferred.set(key, write)
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    setImmediate(() => {
      this.#flushScheduled = false
      this.#flushDeferred()
    })
  }

  /** Runs the deferred write of `key`, if one is waiting: every access to a key goes through here first. */
  #settle(key: string): void {
    if (this.#deferred.size === 0) return
    const write = this.#deferred.get(key)
    if (write === undefined) return
    this.#deferred.delete(key)
    write()
  }

  #flushDeferred(): void {
    for (const [key, write] of this.#deferred) {
      this.#deferred.delete(key)
      write()
    }
  }

  #getOrInit(key: string, initial: () => string, ttlMs: number): string {
    this.#settle(key)
    const current = this.#lru.get(key)
    if (current !== undefined) return current.toString()
    const created = initial()
    this.#put(key, created, ttlMs)
    return created
  }

  #put(key: string, value: StoreValue, ttlMs: number): void {
    this.#settle(key) // a deferred write of the key was due before this one
    if (typeof value === 'string') flatten(value)
    this.#lru.set(key, value, { ttl: Math.max(1, Math.ceil(ttlMs)) })
  }
}

/**
 * Makes V8 store `text` as one flat string. An entry built by concatenation is a tree of
 * thousands of pieces, and every garbage collection would walk each piece for as long as the
 * entry is held (measured: a third of the collector's time on a 20-row include miss). Converting
 * a string to a number flattens it first, in place; the number itself is of no interest.
 */
function flatten(text: string): void {
  Number(text)
}

function sizeOf(value: StoreValue): number {
  return typeof value === 'string' ? value.length * 2 : value.byteLength
}
