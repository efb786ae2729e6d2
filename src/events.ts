/**
 * Cache events and counters. A tiny emitter of our own: Node's EventEmitter throws on an `error`
 * event nobody listens to, and a cache failure must never throw.
 */
import type { CacheError } from './errors.js'

/** Names of the events `$cache.on()` accepts. */
export type CacheEventName = 'hit' | 'miss' | 'stale' | 'set' | 'skip' | 'invalidate' | 'lock' | 'error'

/** What every event carries. */
export interface CacheEvent {
  model?: string
  operation?: string
  key?: string
  tags?: string[]
  durationMs?: number
  error?: CacheError
}

/** Listener of a cache event. */
export type CacheEventListener = (event: CacheEvent) => void

/** Counters returned by `$cache.stats()`. */
export interface CacheStats {
  hits: number
  misses: number
  stale: number
  bypasses: number
  sets: number
  skips: number
  invalidations: number
  errors: number
  lockWaits: number
  /** `(hits + stale) / (hits + stale + misses)`, 0 before any cached read. */
  hitRate: number
}

const EVENT_NAMES: readonly CacheEventName[] = ['hit', 'miss', 'stale', 'set', 'skip', 'invalidate', 'lock', 'error']

/** Emits events to listeners and keeps the counters. */
export class CacheEvents {
  readonly #listeners = new Map<CacheEventName, Set<CacheEventListener>>()
  readonly counts = { hits: 0, misses: 0, stale: 0, bypasses: 0, sets: 0, skips: 0, invalidations: 0, errors: 0, lockWaits: 0 }

  /** True when someone listens to `name` (lets hot paths skip building the event). */
  has(name: CacheEventName): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0
  }

  on(name: CacheEventName, listener: CacheEventListener): void {
    if (!EVENT_NAMES.includes(name)) throw new TypeError(`unknown cache event "${String(name)}" (expected one of ${EVENT_NAMES.join(', ')})`)
    if (typeof listener !== 'function') throw new TypeError('cache event listener must be a function')
    let set = this.#listeners.get(name)
    if (!set) this.#listeners.set(name, (set = new Set()))
    set.add(listener)
  }

  off(name: CacheEventName, listener: CacheEventListener): void {
    this.#listeners.get(name)?.delete(listener)
  }

  emit(name: CacheEventName, event: CacheEvent): void {
    const set = this.#listeners.get(name)
    if (!set) return
    for (const listener of set) {
      try {
        listener(event)
      } catch {
        // A listener's bug must not turn into a failed query.
      }
    }
  }

  stats(): CacheStats {
    const c = this.counts
    const served = c.hits + c.stale
    const total = served + c.misses
    return { ...c, hitRate: total === 0 ? 0 : served / total }
  }
}
