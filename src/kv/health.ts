/**
 * `$cache.health()`: one cheap round trip to the store under the store deadline, the breaker's
 * state, and for a tiered store whether its bus is subscribed. Resolves whatever happens: a
 * health check that throws or hangs would take down the probe that calls it.
 */
import type { CacheEngine } from '../engine.js'

/** What `$cache.health()` resolves. */
export interface CacheHealth {
  /** True when the store answered in time and (for a tiered store) the bus is up. */
  ok: boolean
  store: {
    /** `'memory'`, `'redis'` or `'tiered'`. */
    kind: string
    ok: boolean
    /** Milliseconds the ping took (up to the store deadline when it did not answer). */
    latencyMs: number
    breaker: 'closed' | 'open' | 'half-open'
    /** Why the ping failed. */
    error?: string
  }
  /** Present for a store with a bus (`tieredStore`). */
  bus?: { ok: boolean }
}

/** Pings the store within `timeouts.store` and reports it with the breaker and bus state. Never rejects. */
export async function checkHealth(engine: CacheEngine): Promise<CacheHealth> {
  const { store } = engine.guard
  const timeoutMs = engine.options.storeTimeoutMs
  const started = performance.now()
  let error: string | undefined
  try {
    const ping = store.ping ? store.ping() : store.mget([engine.options.namespace + ':health']).then(() => undefined)
    await withDeadline(ping, timeoutMs)
  } catch (e) {
    error = e instanceof Error ? e.message : String(e)
  }
  const latencyMs = Math.round((performance.now() - started) * 100) / 100
  const busHealthy = (store as { bus?: { healthy?: unknown } }).bus?.healthy
  const bus = typeof busHealthy === 'boolean' ? { ok: busHealthy } : undefined
  const storeOk = error === undefined
  return {
    ok: storeOk && (bus?.ok ?? true),
    store: { kind: store.kind, ok: storeOk, latencyMs, breaker: engine.guard.breakerState, ...(error !== undefined && { error }) },
    ...(bus && { bus }),
  }
}

function withDeadline(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms (timeouts.store)`)), timeoutMs)
    timer.unref()
  })
  promise.catch(() => {})
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}
