/**
 * The cache engine: the pieces one extension instance shares (options, guarded store, schema
 * graph, events, single-flight) and the invalidation path. Prisma-free, so it can be tested and
 * reused by the low-level `$cache` API.
 */
import type { SchemaGraph } from './dependencies/schema-graph.js'
import { CacheError, CacheUnavailableError } from './errors.js'
import { CacheEvents, type CacheEvent } from './events.js'
import type { ResolvedOptions } from './options.js'
import { SingleFlight } from './single-flight.js'
import { StoreGuard } from './store-guard.js'
import type { CacheStore } from './stores/store.js'
import { bumpVersions } from './versions.js'

const RETRY_MIN_MS = 50
const RETRY_MAX_MS = 5000

/** Shared state and services of one `cacheExtension()` instance. */
export class CacheEngine {
  readonly options: ResolvedOptions
  readonly guard: StoreGuard
  readonly graph: SchemaGraph
  readonly fingerprint: string
  readonly events = new CacheEvents()
  readonly flights = new SingleFlight()
  /** Tags whose invalidation has not reached the store yet: reads depending on them bypass the cache. */
  readonly pendingTags = new Set<string>()
  /** Entry keys with a background `swr` refresh running in this process. */
  readonly refreshing = new Set<string>()
  /** Whether other processes share the store (then fills take the cross-process lock). */
  readonly sharedStore: boolean
  /**
   * Values above this many bytes are deflated — only on stores reached over the network: a
   * memory store has no bandwidth to save, and every hit would pay the inflate.
   */
  get compressAbove(): number {
    return this.sharedStore ? this.options.compressAbove : 0
  }

  /**
   * Whether fresh in-memory hits may skip Prisma's request pipeline (see fast-hit.ts): set by the
   * extension when no other extension sits below it.
   */
  fastPath = false
  #retryTimer: NodeJS.Timeout | undefined
  #retryDelayMs = RETRY_MIN_MS

  constructor(options: ResolvedOptions, store: CacheStore, graph: SchemaGraph, fingerprint: string) {
    this.options = options
    this.graph = graph
    this.fingerprint = fingerprint
    this.sharedStore = store.shared
    this.guard = new StoreGuard(store, {
      timeoutMs: options.storeTimeoutMs,
      failures: options.breakerFailures,
      cooldownMs: options.breakerCooldownMs,
    })
  }

  /** Reports a cache-side failure: counts it, emits `error`, calls `onError`. Never throws. */
  report(error: unknown, context: CacheEvent = {}): void {
    if (error instanceof CacheUnavailableError) return // the breaker is open: already reported when it opened
    const cacheError = error instanceof CacheError ? error : new CacheError('E_CACHE_INTERNAL', String(error), { cause: error })
    this.events.counts.errors++
    this.events.emit('error', { ...context, error: cacheError })
    try {
      this.options.onError?.(cacheError)
    } catch {
      // onError is user code; its failure must not fail a query either.
    }
  }

  /** True when any of `tags` has an invalidation still waiting to reach the store. */
  hasPending(tags: readonly string[]): boolean {
    if (this.pendingTags.size === 0) return false
    return tags.some((tag) => this.pendingTags.has(tag))
  }

  /**
   * Replaces the versions of `tags`. Resolves once the store has them, or once the failure is
   * reported and a retry is scheduled; never rejects.
   */
  async invalidate(tags: readonly string[], context: CacheEvent = {}): Promise<void> {
    if (tags.length === 0) return
    this.events.counts.invalidations++
    try {
      await bumpVersions(this.guard, this.options.namespace, tags)
    } catch (error) {
      this.report(error, { ...context, tags: [...tags] })
      for (const tag of tags) this.pendingTags.add(tag)
      this.#scheduleRetry()
    }
    this.events.emit('invalidate', { ...context, tags: [...tags] })
  }

  #scheduleRetry(): void {
    if (this.#retryTimer) return
    this.#retryTimer = setTimeout(() => void this.#retry(), this.#retryDelayMs)
    this.#retryTimer.unref()
  }

  async #retry(): Promise<void> {
    this.#retryTimer = undefined
    const tags = [...this.pendingTags]
    try {
      await bumpVersions(this.guard, this.options.namespace, tags)
      for (const tag of tags) this.pendingTags.delete(tag)
      this.#retryDelayMs = RETRY_MIN_MS
    } catch (error) {
      this.report(error, { tags })
      this.#retryDelayMs = Math.min(RETRY_MAX_MS, this.#retryDelayMs * 2)
    }
    if (this.pendingTags.size > 0) this.#scheduleRetry()
  }
}
