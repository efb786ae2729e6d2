/**
 * OpenTelemetry, when `@opentelemetry/api` is installed (an optional peer dependency, looked up
 * once per extension). Spans `cache.get` (each cached read; a miss's database query runs inside
 * it), `cache.put` (each stored entry) and `cache.invalidate` (each invalidation) on the global
 * tracer `prisma-query-cache`; the `$cache.stats()` counters as observable metrics on the global
 * meter, read from the counters the cache keeps anyway.
 *
 * Cost without an SDK: each read asks the API's proxy provider whether a real provider was
 * registered (two property reads) and stops there — no span, no context switch, no allocation.
 * Metrics cost nothing per read: the SDK pulls them when it exports.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type * as OtelApi from '@opentelemetry/api'
import type { CacheEvents } from '../events.js'
import type { CacheStatus } from '../types.js'

type Api = typeof OtelApi

/** The name of the tracer and of the meter. */
export const INSTRUMENTATION_NAME = 'prisma-query-cache'

let api: Api | null | undefined

/** `@opentelemetry/api` if the application has it installed, else `undefined` (looked up once). */
function loadApi(): Api | undefined {
  if (api === undefined) {
    try {
      // Resolved from the app's directory: works in the ES module and the CommonJS build alike.
      api = createRequire(join(process.cwd(), 'package.json'))('@opentelemetry/api') as Api
    } catch {
      api = null
    }
  }
  return api ?? undefined
}

/** Size in bytes of a stored value. */
export function byteSize(value: string | Buffer): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength
}

/** One cached read's span, from its start to its end. */
export interface ReadSpan {
  /** Runs `fn` (the rest of the read: the miss's database query, the store write) inside the span. */
  run<T>(fn: () => Promise<T>): Promise<T>
  /** Ends the span with how the read was answered and, when known, the entry's size in bytes. */
  end(status: CacheStatus, itemSize?: number): void
  /** Ends the span as failed (the database query threw). */
  fail(error: unknown): void
}

/** A span around a store operation (`cache.put`, `cache.invalidate`). */
export interface OperationSpan {
  end(error?: unknown): void
}

/** Telemetry of one extension instance. */
export class Telemetry {
  readonly #api: Api
  readonly #noopProvider: unknown
  readonly #events: CacheEvents
  readonly #namespace: string
  #provider: unknown
  #tracer: OtelApi.Tracer | undefined
  #meterProvider: unknown

  /** Telemetry for an extension, or `undefined` when it is turned off or the API is not installed. */
  static create(enabled: boolean, events: CacheEvents, namespace: string): Telemetry | undefined {
    const otel = enabled ? loadApi() : undefined
    return otel && new Telemetry(otel, events, namespace)
  }

  private constructor(otel: Api, events: CacheEvents, namespace: string) {
    this.#api = otel
    this.#events = events
    this.#namespace = namespace
    this.#noopProvider = new otel.ProxyTracerProvider().getDelegate()
    this.observeMetrics()
  }

  /** The tracer of the registered SDK, or `undefined` while none is (the common, free case). */
  #activeTracer(): OtelApi.Tracer | undefined {
    const proxy = this.#api.trace.getTracerProvider() as OtelApi.TracerProvider & { getDelegate?: () => OtelApi.TracerProvider }
    const provider = proxy.getDelegate ? proxy.getDelegate() : proxy
    if (provider === this.#noopProvider) return undefined
    if (provider !== this.#provider) {
      this.#provider = provider
      this.#tracer = provider.getTracer(INSTRUMENTATION_NAME)
    }
    return this.#tracer
  }

  /** Starts the `cache.get` span of a read; `undefined` when no SDK is registered. */
  startRead(model: string, operation: string, key: string): ReadSpan | undefined {
    const tracer = this.#activeTracer()
    if (!tracer) return undefined
    const otel = this.#api
    const span = tracer.startSpan('cache.get', {
      kind: otel.SpanKind.INTERNAL,
      attributes: { 'cache.key': key, 'prisma.model': model, 'prisma.operation': operation },
    })
    const spanContext = otel.trace.setSpan(otel.context.active(), span)
    return {
      run: (fn) => otel.context.with(spanContext, fn),
      end(status, itemSize) {
        span.setAttributes({ 'cache.hit': status === 'hit' || status === 'stale', 'cache.status': status })
        if (itemSize !== undefined) span.setAttribute('cache.item_size', itemSize)
        span.end()
      },
      fail(error) {
        span.recordException(error instanceof Error ? error : String(error))
        span.setStatus({ code: otel.SpanStatusCode.ERROR })
        span.setAttributes({ 'cache.hit': false })
        span.end()
      },
    }
  }

  /**
   * A `cache.put` span around storing one entry (a child of the read's span). The entry's size is
   * measured only when a span is recorded: counting its bytes would flatten a text built by
   * concatenation on the miss's path.
   */
  startPut(model: string, operation: string, key: string, stored: string | Buffer): OperationSpan | undefined {
    const tracer = this.#activeTracer()
    if (!tracer) return undefined
    const span = tracer.startSpan('cache.put', {
      kind: this.#api.SpanKind.INTERNAL,
      attributes: { 'cache.key': key, 'cache.item_size': byteSize(stored), 'prisma.model': model, 'prisma.operation': operation },
    })
    return this.#operation(span)
  }

  /** A `cache.invalidate` span around replacing the versions of `tags`. */
  startInvalidate(tags: readonly string[], model?: string, operation?: string): OperationSpan | undefined {
    this.observeMetrics()
    const tracer = this.#activeTracer()
    if (!tracer) return undefined
    const span = tracer.startSpan('cache.invalidate', {
      kind: this.#api.SpanKind.INTERNAL,
      attributes: { 'cache.tags': [...tags], ...(model !== undefined && { 'prisma.model': model }), ...(operation !== undefined && { 'prisma.operation': operation }) },
    })
    return this.#operation(span)
  }

  #operation(span: OtelApi.Span): OperationSpan {
    const otel = this.#api
    return {
      end(error) {
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error))
          span.setStatus({ code: otel.SpanStatusCode.ERROR })
        }
        span.end()
      },
    }
  }

  /**
   * Registers the counters as observable instruments on the global meter, once per meter
   * provider: called at creation and on every miss and invalidation (never on a hit), so an SDK
   * started after the extension is picked up at the next miss.
   */
  observeMetrics(): void {
    const provider = this.#api.metrics.getMeterProvider()
    if (provider === this.#meterProvider) return
    this.#meterProvider = provider
    const meter = provider.getMeter(INSTRUMENTATION_NAME)
    const ns = { 'cache.namespace': this.#namespace }
    const reads = meter.createObservableCounter('pqc.cache.reads', { description: 'Cached Prisma reads by model, operation and status (hit, miss, stale)' })
    const saved = meter.createObservableCounter('pqc.cache.saved_time', { unit: 's', description: 'Database time the hits saved: for each hit, what the last miss of its entry took' })
    const totals = {
      bypasses: meter.createObservableCounter('pqc.cache.bypasses', { description: 'Reads that went to the database without the cache' }),
      sets: meter.createObservableCounter('pqc.cache.sets', { description: 'Entries stored' }),
      skips: meter.createObservableCounter('pqc.cache.skips', { description: 'Results not stored (too large, not serializable)' }),
      invalidations: meter.createObservableCounter('pqc.cache.invalidations', { description: 'Invalidations' }),
      errors: meter.createObservableCounter('pqc.cache.errors', { description: 'Cache-side failures (queries still answered from the database)' }),
      lockWaits: meter.createObservableCounter('pqc.cache.lock_waits', { description: 'Reads that waited for another fill of the same entry' }),
    }
    meter.addBatchObservableCallback((result) => {
      for (const [model, operations] of this.#events.reads) {
        let savedMs = 0
        for (const [operation, c] of operations) {
          const attributes = { ...ns, 'prisma.model': model, 'prisma.operation': operation }
          result.observe(reads, c.hits, { ...attributes, 'cache.status': 'hit' })
          result.observe(reads, c.misses, { ...attributes, 'cache.status': 'miss' })
          result.observe(reads, c.stale, { ...attributes, 'cache.status': 'stale' })
          savedMs += c.savedMs
        }
        result.observe(saved, savedMs / 1000, { ...ns, 'prisma.model': model })
      }
      const counts = this.#events.counts
      for (const [name, instrument] of Object.entries(totals)) result.observe(instrument, counts[name as keyof typeof totals], ns)
    }, [reads, saved, ...Object.values(totals)])
  }
}
