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
  /**
   * `hit`/`stale`: milliseconds to serve from the cache. `miss`: milliseconds the database query
   * of that miss took.
   */
  durationMs?: number
  /** `hit`: database milliseconds this hit saved (what the last miss of the same entry took). */
  savedMs?: number
  /**
   * Reads: the shape of the arguments, values replaced by their type (`{where:{email:string}}`).
   * Computed when first read, so listeners that ignore it do not pay for it.
   */
  shape?: string
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
  /** The cached reads of each Prisma model. */
  byModel: Record<string, ModelStats>
}

/** Counters of one model's cached reads, in `stats().byModel`. */
export interface ModelStats {
  hits: number
  misses: number
  stale: number
  /** `(hits + stale) / (hits + stale + misses)`. */
  hitRate: number
  /** Database milliseconds the hits saved: for each hit, what the last miss of its entry took. */
  savedMs: number
}

/** How a cached read was answered, for {@link CacheEvents.countRead}. */
export type ReadStatus = 'hit' | 'miss' | 'stale'

/** Counters of one (model, operation) pair. */
export interface ReadCounts {
  hits: number
  misses: number
  stale: number
  savedMs: number
}

/** Entry keys whose last database time is remembered (for saved time); the oldest go first. */
const QUERY_TIMES = 10_000

const EVENT_NAMES: readonly CacheEventName[] = ['hit', 'miss', 'stale', 'set', 'skip', 'invalidate', 'lock', 'error']

/** Emits events to listeners and keeps the counters. */
export class CacheEvents {
  readonly #listeners = new Map<CacheEventName, Set<CacheEventListener>>()
  readonly counts = { hits: 0, misses: 0, stale: 0, bypasses: 0, sets: 0, skips: 0, invalidations: 0, errors: 0, lockWaits: 0 }
  /** Read counters by model, then operation (telemetry reads them; `stats()` sums them by model). */
  readonly reads = new Map<string, Map<string, ReadCounts>>()
  /**
   * Database milliseconds of the last query of each recently filled entry key, in two
   * generations: when the current one is full it becomes the previous one, and the previous one
   * is dropped whole. (Evicting the oldest key of one Map one at a time makes V8 skip every
   * deleted slot to find the next oldest: linear per miss once full.)
   */
  #queryMs = new Map<string, number>()
  #olderQueryMs = new Map<string, number>()

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

  /**
   * Counts a cached read (`counts` and the per-model counters) and returns, for a hit, the
   * database milliseconds it saved. Emitting the event stays with the caller, which builds it
   * only when someone listens.
   */
  countRead(status: ReadStatus, model: string, operation: string, key: string): number {
    let ops = this.reads.get(model)
    if (!ops) this.reads.set(model, (ops = new Map()))
    let counts = ops.get(operation)
    if (!counts) ops.set(operation, (counts = { hits: 0, misses: 0, stale: 0, savedMs: 0 }))
    if (status === 'hit') {
      this.counts.hits++
      counts.hits++
      const saved = this.#queryMs.get(key) ?? this.#olderQueryMs.get(key) ?? 0
      counts.savedMs += saved
      return saved
    }
    if (status === 'stale') {
      this.counts.stale++
      counts.stale++
    } else {
      this.counts.misses++
      counts.misses++
    }
    return 0
  }

  /** Remembers how long the database query that filled `key` took (what its later hits save). */
  recordQueryTime(key: string, ms: number): void {
    if (this.#queryMs.size >= QUERY_TIMES / 2 && !this.#queryMs.has(key)) {
      this.#olderQueryMs = this.#queryMs
      this.#queryMs = new Map()
    }
    this.#queryMs.set(key, ms)
  }

  stats(): CacheStats {
    const c = this.counts
    return { ...c, hitRate: rate(c.hits + c.stale, c.misses), byModel: this.byModel() }
  }

  /** `stats().byModel`: the per-operation counters summed by model. */
  byModel(): Record<string, ModelStats> {
    const out: Record<string, ModelStats> = {}
    for (const [model, ops] of this.reads) {
      const m = { hits: 0, misses: 0, stale: 0, hitRate: 0, savedMs: 0 }
      for (const o of ops.values()) {
        m.hits += o.hits
        m.misses += o.misses
        m.stale += o.stale
        m.savedMs += o.savedMs
      }
      m.hitRate = rate(m.hits + m.stale, m.misses)
      out[model] = m
    }
    return out
  }
}

function rate(served: number, misses: number): number {
  const total = served + misses
  return total === 0 ? 0 : served / total
}

/**
 * The shape of read arguments: the same object with every value replaced by its type
 * (`{where:{email:string},take:number}`). Identifies a query without revealing its values.
 */
export function argsShape(args: unknown, depth = 0): string {
  if (args === null) return 'null'
  if (Array.isArray(args)) return depth > 8 ? 'array' : `[${args.length === 0 ? '' : argsShape(args[0], depth + 1)}]`
  if (typeof args !== 'object') return typeof args
  if (args instanceof Date) return 'Date'
  const proto = Object.getPrototypeOf(args) as object | null
  if (proto !== Object.prototype && proto !== null) return (args.constructor as { name?: string } | undefined)?.name ?? 'object'
  if (depth > 8) return 'object'
  const keys = Object.keys(args).sort()
  return `{${keys.map((k) => `${k}:${argsShape((args as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`
}
