/**
 * What the insights page shows, gathered from `$cache` events: the top queries by database time
 * saved (grouped by model, operation and argument shape — never by values), and the recent
 * invalidations and errors. Everything is bounded; per-model figures come from `stats()` itself.
 */
import type { CacheApi } from '../kv/cache-api.js'
import type { CacheEvent, CacheEventListener, CacheEventName, CacheStats } from '../events.js'
import type { CacheHealth } from '../kv/health.js'

/** One query shape's figures. */
export interface QueryFigures {
  model: string
  operation: string
  /** Argument shape, e.g. `{where:{email:string}}`. */
  shape: string
  hits: number
  misses: number
  stale: number
  savedMs: number
  /** Database milliseconds of the last miss. */
  lastQueryMs: number
  /** The store key of one entry of this shape: its arguments are hashed, but a short `scope` value and a read's own `cache.key` appear in it as they are. */
  exampleKey: string
}

/** An invalidation as the page lists it. */
export interface InvalidationRecord {
  at: number
  model?: string
  operation?: string
  tags: string[]
}

/** An error as the page lists it. */
export interface ErrorRecord {
  at: number
  code: string
  message: string
  model?: string
  operation?: string
  key?: string
}

/** Everything the page draws, sent as JSON and over server-sent events. */
export interface InsightsSnapshot {
  at: number
  stats: CacheStats
  health: CacheHealth | undefined
  topQueries: QueryFigures[]
  invalidations: InvalidationRecord[]
  errors: ErrorRecord[]
}

const MAX_SHAPES = 500
const TOP = 25
const RECENT = 50

/** Subscribes to one client's `$cache` events and keeps the page's figures. */
export class InsightsCollector {
  readonly #cache: CacheApi
  readonly #queries = new Map<string, QueryFigures>()
  readonly #invalidations: InvalidationRecord[] = []
  readonly #errors: ErrorRecord[] = []
  readonly #listeners: [CacheEventName, CacheEventListener][]
  readonly #changeHandlers = new Set<() => void>()
  #health: CacheHealth | undefined

  constructor(cache: CacheApi) {
    this.#cache = cache
    this.#listeners = [
      ['hit', (e) => this.#read('hit', e)],
      ['miss', (e) => this.#read('miss', e)],
      ['stale', (e) => this.#read('stale', e)],
      ['invalidate', (e) => this.#push(this.#invalidations, { at: Date.now(), ...pick(e), tags: e.tags ?? [] })],
      ['error', (e) => this.#push(this.#errors, { at: Date.now(), code: e.error?.code ?? 'E_CACHE_INTERNAL', message: e.error?.message ?? 'unknown error', ...pick(e), ...(e.key !== undefined && { key: e.key }) })],
    ]
    for (const [name, listener] of this.#listeners) cache.on(name, listener)
  }

  /** Calls `handler` after each event (the server throttles its pushes). */
  onChange(handler: () => void): () => void {
    this.#changeHandlers.add(handler)
    return () => this.#changeHandlers.delete(handler)
  }

  /** Refreshes the health shown on the page (a store ping). */
  async refreshHealth(): Promise<void> {
    this.#health = await this.#cache.health()
  }

  snapshot(): InsightsSnapshot {
    const top = [...this.#queries.values()].sort((a, b) => b.savedMs - a.savedMs || b.hits - a.hits).slice(0, TOP)
    return { at: Date.now(), stats: this.#cache.stats(), health: this.#health, topQueries: top, invalidations: [...this.#invalidations], errors: [...this.#errors] }
  }

  /** Stops listening. */
  close(): void {
    for (const [name, listener] of this.#listeners) this.#cache.off(name, listener)
    this.#changeHandlers.clear()
  }

  #read(status: 'hit' | 'miss' | 'stale', event: CacheEvent): void {
    if (event.model === undefined || event.operation === undefined) return
    const shape = event.shape ?? '?'
    const id = `${event.model}\0${event.operation}\0${shape}`
    let q = this.#queries.get(id)
    if (!q) {
      if (this.#queries.size >= MAX_SHAPES) this.#evictSmallest()
      q = { model: event.model, operation: event.operation, shape, hits: 0, misses: 0, stale: 0, savedMs: 0, lastQueryMs: 0, exampleKey: event.key ?? '' }
      this.#queries.set(id, q)
    }
    if (status === 'hit') {
      q.hits++
      q.savedMs += event.savedMs ?? 0
    } else if (status === 'stale') {
      q.stale++
    } else {
      q.misses++
      if (event.durationMs !== undefined) q.lastQueryMs = event.durationMs
    }
    this.#changed()
  }

  #push<T>(list: T[], record: T): void {
    list.unshift(record)
    if (list.length > RECENT) list.pop()
    this.#changed()
  }

  #changed(): void {
    for (const handler of this.#changeHandlers) handler()
  }

  #evictSmallest(): void {
    let smallest: [string, QueryFigures] | undefined
    for (const entry of this.#queries) if (!smallest || entry[1].savedMs < smallest[1].savedMs) smallest = entry
    if (smallest) this.#queries.delete(smallest[0])
  }
}

function pick(e: CacheEvent): { model?: string; operation?: string } {
  return { ...(e.model !== undefined && { model: e.model }), ...(e.operation !== undefined && { operation: e.operation }) }
}
