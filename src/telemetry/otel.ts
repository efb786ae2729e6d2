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
 *
 * Telemetry never fails a query: a tracer or meter that throws (a broken or incompatible SDK) is
 * reported once, as a cache-side error, and left alone — no more spans from that tracer provider,
 * no metrics on that meter provider — until the application registers another one.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type * as OtelApi from '@opentelemetry/api'
import { CacheError } from '../errors.js'
import type { CacheEvents } from '../events.js'
import type { CacheStatus } from '../types.js'

type Api = typeof OtelApi

/** The name of the tracer and of the meter. */
const INSTRUMENTATION_NAME = 'prisma-query-cache'

let api: Api | null | undefined

/**
 * `@opentelemetry/api` if the application has it installed, else `undefined` (looked up once):
 * from the working directory, else from this library's own location (where a package manager puts
 * its peer dependencies), else from the main script's — an app started from another directory
 * (a service manager, `node /srv/app/dist/main.js`, a workspace root) still finds it.
 */
function loadApi(): Api | undefined {
  if (api === undefined) {
    api = null
    for (const base of [join(process.cwd(), 'package.json'), ownFile(), process.argv[1]]) {
      if (!base) continue
      try {
        api = createRequire(base)('@opentelemetry/api') as Api
        break
      } catch {
        // not installed where `base` looks: try the next place
      }
    }
  }
  return api ?? undefined
}

/**
 * This module's file: `__filename` in the CommonJS build; in the ES module build (where
 * `import.meta`, which the CommonJS build cannot contain, would be the way) V8's call site of this
 * function, a file: URL.
 */
function ownFile(): string | undefined {
  if (typeof __filename === 'string') return __filename
  const { prepareStackTrace, stackTraceLimit } = Error
  try {
    Error.stackTraceLimit = 1
    Error.prepareStackTrace = (_error, sites) => sites
    const sites = new Error().stack as unknown as NodeJS.CallSite[] | undefined
    return sites?.[0]?.getFileName() ?? undefined
  } catch {
    return undefined
  } finally {
    Error.prepareStackTrace = prepareStackTrace
    Error.stackTraceLimit = stackTraceLimit
  }
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
  readonly #report: (error: CacheError) => void
  #provider: unknown
  #tracer: OtelApi.Tracer | undefined
  /** The tracer provider that threw: no span is started on it again. */
  #brokenProvider: unknown
  #meterProvider: unknown

  /**
   * Telemetry for an extension, or `undefined` when it is turned off or the API is not installed.
   * `report` is told (once per tracer or meter provider) when the SDK throws.
   */
  static create(enabled: boolean, events: CacheEvents, namespace: string, report: (error: CacheError) => void): Telemetry | undefined {
    const otel = enabled ? loadApi() : undefined
    return otel && new Telemetry(otel, events, namespace, report)
  }

  private constructor(otel: Api, events: CacheEvents, namespace: string, report: (error: CacheError) => void) {
    this.#api = otel
    this.#events = events
    this.#namespace = namespace
    this.#report = report
    this.#noopProvider = new otel.ProxyTracerProvider().getDelegate()
    this.observeMetrics()
  }

  /** The tracer of the registered SDK, or `undefined` while none is (the common, free case) or it threw. */
  #activeTracer(): OtelApi.Tracer | undefined {
    let provider: OtelApi.TracerProvider | undefined
    try {
      const proxy = this.#api.trace.getTracerProvider() as OtelApi.TracerProvider & { getDelegate?: () => OtelApi.TracerProvider }
      provider = proxy.getDelegate ? proxy.getDelegate() : proxy
      if (provider === this.#noopProvider || provider === this.#brokenProvider) return undefined
      if (provider !== this.#provider) {
        this.#tracer = provider.getTracer(INSTRUMENTATION_NAME)
        this.#provider = provider
      }
      return this.#tracer
    } catch (error) {
      this.#tracerFailed(provider, error)
      return undefined
    }
  }

  /** Turns spans off for `provider` (until another is registered) and reports why, once. */
  #tracerFailed(provider: unknown, error: unknown): void {
    if (provider !== undefined && provider === this.#brokenProvider) return
    this.#brokenProvider = provider
    this.#report(new CacheError('E_CACHE_INTERNAL', `OpenTelemetry tracer failed; no spans until another tracer provider is registered: ${messageOf(error)}`, { cause: error }))
  }

  /** Runs `step` on a span of `provider`; if the SDK throws, reports it instead. */
  #safely(provider: unknown, step: () => void): void {
    try {
      step()
    } catch (error) {
      this.#tracerFailed(provider, error)
    }
  }

  /** Starts the `cache.get` span of a read; `undefined` when no SDK is registered (or it threw). */
  startRead(model: string, operation: string, key: string): ReadSpan | undefined {
    const tracer = this.#activeTracer()
    if (!tracer) return undefined
    const otel = this.#api
    const provider = this.#provider
    let span: OtelApi.Span
    let spanContext: OtelApi.Context
    try {
      span = tracer.startSpan('cache.get', {
        kind: otel.SpanKind.INTERNAL,
        attributes: { 'cache.key': key, 'prisma.model': model, 'prisma.operation': operation },
      })
      spanContext = otel.trace.setSpan(otel.context.active(), span)
    } catch (error) {
      this.#tracerFailed(provider, error)
      return undefined
    }
    return {
      run: (fn) => this.#runIn(provider, spanContext, fn),
      end: (status, itemSize) => this.#safely(provider, () => {
        span.setAttributes({ 'cache.hit': status === 'hit' || status === 'stale', 'cache.status': status })
        if (itemSize !== undefined) span.setAttribute('cache.item_size', itemSize)
        span.end()
      }),
      fail: (error) => this.#safely(provider, () => {
        span.recordException(error instanceof Error ? error : String(error))
        span.setStatus({ code: otel.SpanStatusCode.ERROR })
        span.setAttributes({ 'cache.hit': false })
        span.end()
      }),
    }
  }

  /**
   * Runs `fn` in `spanContext`; if the context manager throws, `fn` still runs (once) outside it,
   * and an error of `fn` itself is the read's own, passed on as it is.
   */
  #runIn<T>(provider: unknown, spanContext: OtelApi.Context, fn: () => Promise<T>): Promise<T> {
    let ran: { result: Promise<T> } | { error: unknown } | undefined
    try {
      this.#api.context.with(spanContext, () => {
        try {
          ran = { result: fn() }
        } catch (error) {
          ran = { error }
        }
      })
    } catch (error) {
      this.#tracerFailed(provider, error)
    }
    if (ran === undefined) return fn()
    if ('error' in ran) throw ran.error
    return ran.result
  }

  /**
   * A `cache.put` span around storing one entry (a child of the read's span). The entry's size is
   * measured only when a span is recorded: counting its bytes would flatten a text built by
   * concatenation on the miss's path.
   */
  startPut(model: string, operation: string, key: string, stored: string | Buffer): OperationSpan | undefined {
    return this.#startOperation('cache.put', () => ({ 'cache.key': key, 'cache.item_size': byteSize(stored), 'prisma.model': model, 'prisma.operation': operation }))
  }

  /** A `cache.invalidate` span around replacing the versions of `tags`. */
  startInvalidate(tags: readonly string[], model?: string, operation?: string): OperationSpan | undefined {
    this.observeMetrics()
    return this.#startOperation('cache.invalidate', () => ({
      'cache.tags': [...tags], ...(model !== undefined && { 'prisma.model': model }), ...(operation !== undefined && { 'prisma.operation': operation }),
    }))
  }

  /** A span `name` with the `attributes` (computed only when a span is recorded) that never throws. */
  #startOperation(name: string, attributes: () => OtelApi.Attributes): OperationSpan | undefined {
    const tracer = this.#activeTracer()
    if (!tracer) return undefined
    const otel = this.#api
    const provider = this.#provider
    let span: OtelApi.Span
    try {
      span = tracer.startSpan(name, { kind: otel.SpanKind.INTERNAL, attributes: attributes() })
    } catch (error) {
      this.#tracerFailed(provider, error)
      return undefined
    }
    return {
      end: (error) => this.#safely(provider, () => {
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error))
          span.setStatus({ code: otel.SpanStatusCode.ERROR })
        }
        span.end()
      }),
    }
  }

  /**
   * Registers the counters as observable instruments on the global meter, once per meter
   * provider: called at creation and on every miss and invalidation (never on a hit), so an SDK
   * started after the extension is picked up at the next miss. Never throws: a meter that does
   * (or lacks addBatchObservableCallback) is reported once and gets no metrics.
   */
  observeMetrics(): void {
    try {
      const provider = this.#api.metrics.getMeterProvider()
      if (provider === this.#meterProvider) return
      this.#meterProvider = provider
      this.#register(provider.getMeter(INSTRUMENTATION_NAME))
    } catch (error) {
      this.#report(new CacheError('E_CACHE_INTERNAL', `OpenTelemetry meter failed; no metrics until another meter provider is registered: ${messageOf(error)}`, { cause: error }))
    }
  }

  #register(meter: OtelApi.Meter): void {
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
