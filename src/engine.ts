/**
 * The cache engine: the pieces one extension instance shares (options, guarded store, schema
 * graph, events, single-flight, invalidation). Prisma-free, so the read and write paths and the
 * low-level `$cache` API use it alike.
 */
import type { SchemaGraph } from './dependencies/schema-graph.js'
import { CacheError, CacheUnavailableError } from './errors.js'
import { CacheEvents, type CacheEvent } from './events.js'
import type { ResolvedOptions } from './options.js'
import { DecodedResults } from './read/decoded.js'
import { SingleFlight } from './read/single-flight.js'
import { StoreGuard } from './stores/guard.js'
import { Telemetry } from './telemetry/otel.js'
import type { CacheStore } from './stores/store.js'
import { Invalidator } from './write/invalidator.js'
import { createSigner, type Signer } from './codec/signer.js'
import { KeyLayout } from './codec/key-layout.js'

/** Entry keys remembered by {@link CacheEngine.readBefore}. */
const READ_LATELY = 10_000

/** Shared state and services of one `cacheExtension()` instance. */
export class CacheEngine {
  readonly options: ResolvedOptions
  readonly guard: StoreGuard
  readonly graph: SchemaGraph
  readonly fingerprint: string
  /** Key names of this namespace on this store (its buckets). */
  readonly keys: KeyLayout
  /** Signs and verifies stored entries (option `sign`); `undefined` when entries are not signed. */
  readonly signer: Signer | undefined
  readonly events = new CacheEvents()
  readonly flights = new SingleFlight()
  /** OpenTelemetry spans and metrics; `undefined` when off or `@opentelemetry/api` is not installed. */
  readonly telemetry: Telemetry | undefined
  /** Entry keys with a background `swr` refresh running in this process. */
  readonly refreshing = new Set<string>()
  /** Whether other processes share the store (then fills take the cross-process lock). */
  readonly sharedStore: boolean
  /**
   * Whether the typed read methods may answer before Prisma's request pipeline: true when no
   * extension was applied before the cache (one that was must see every read).
   */
  fastPath = false
  /** Decoded results held per stored entry: copied for each hit, or shared with `results: 'frozen'`. */
  readonly decoded: DecodedResults
  readonly #invalidator: Invalidator
  /** Store writes and refreshes running after their read returned. */
  readonly #background = new Set<Promise<unknown>>()
  /** Entry keys this process read lately (see {@link readBefore}). */
  readonly #readLately = new Set<string>()

  constructor(options: ResolvedOptions, store: CacheStore, graph: SchemaGraph, fingerprint: string) {
    this.options = options
    this.graph = graph
    this.fingerprint = fingerprint
    this.keys = new KeyLayout(options.namespace, store.buckets ?? 1)
    this.signer = options.signSecrets && createSigner(options.signSecrets)
    this.sharedStore = store.shared
    this.decoded = new DecodedResults(options.results)
    this.telemetry = Telemetry.create(options.telemetry, this.events, options.namespace, (error) => this.report(error))
    this.guard = new StoreGuard(store, {
      timeoutMs: options.storeTimeoutMs,
      failures: options.breakerFailures,
      cooldownMs: options.breakerCooldownMs,
    })
    this.#invalidator = new Invalidator(this.guard, this.keys, (error, tags) => this.report(error, { tags }))
  }

  /**
   * Values above this many bytes are compressed — only on stores reached over the network: a
   * memory store has no bandwidth to save, and every hit would pay the inflate.
   */
  get compressAbove(): number {
    return this.sharedStore ? this.options.compressAbove : 0
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

  /**
   * True when this process read `key` lately; remembers it either way. A key read lately is
   * probably a hit; any other read is probably a miss, and a shared store then looks it up together
   * with the stampede lock. Bounded: emptied whole when full (hot keys are back after one read).
   */
  readBefore(key: string): boolean {
    const lately = this.#readLately
    if (lately.has(key)) return true
    if (lately.size >= READ_LATELY) lately.clear()
    lately.add(key)
    return false
  }

  /** Runs `work` after the caller has its answer; {@link settle} waits for it. */
  inBackground(work: Promise<unknown>): void {
    const tracked: Promise<unknown> = work.then(
      () => this.#background.delete(tracked),
      () => this.#background.delete(tracked),
    )
    this.#background.add(tracked)
  }

  /** Resolves once every background store write and refresh started so far has finished. */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background])
  }

  /** True when any of `tags` has an invalidation still waiting to reach the store. */
  hasPending(tags: readonly string[]): boolean {
    return this.#invalidator.hasPending(tags)
  }

  /**
   * Replaces the versions of `tags` and emits `invalidate` (one event per model in `models`, or
   * one event when none is named). Resolves once the store has it, or once the failure is
   * reported and a retry is scheduled; never rejects.
   */
  async invalidate(tags: readonly string[], context: CacheEvent = {}, models: readonly string[] = []): Promise<void> {
    if (tags.length === 0) return
    this.events.counts.invalidations++
    const span = this.telemetry?.startInvalidate(tags, context.model ?? (models.length === 1 ? models[0] : undefined), context.operation)
    await this.#invalidator.invalidate(tags)
    span?.end(this.hasPending(tags) ? new Error('invalidation failed; retrying') : undefined)
    if (!this.events.has('invalidate')) return
    const event = { ...context, tags: [...tags] }
    if (models.length === 0) this.events.emit('invalidate', event)
    else for (const model of models) this.events.emit('invalidate', { ...event, model })
  }
}
