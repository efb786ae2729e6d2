/**
 * Every store call goes through here: a deadline (`timeouts.store`) and a circuit breaker
 * (closed → open after `breaker.failures` consecutive failures → one half-open probe after
 * `breaker.cooldown`). Failures come back as typed errors for the caller to report; nothing here
 * decides what a failure means for a query.
 */
import { CacheError, CacheNotIntegerError, CacheStoreError, CacheTimeoutError, CacheUnavailableError } from '../errors.js'
import type { CacheStore } from './store.js'

/** Deadline and breaker settings. */
export interface GuardSettings {
  timeoutMs: number
  failures: number
  cooldownMs: number
}

/** A store behind a deadline and a circuit breaker. */
export class StoreGuard {
  readonly store: CacheStore
  readonly #settings: GuardSettings
  readonly #useDeadline: boolean
  #consecutiveFailures = 0
  #openUntil = 0
  #probing = false

  constructor(store: CacheStore, settings: GuardSettings) {
    this.store = store
    this.#settings = settings
    // An in-process store answers synchronously; a timer per call would only cost time.
    this.#useDeadline = store.kind !== 'memory'
  }

  /** The breaker as `health()` reports it: `'half-open'` once the cool-down is over and until a probe succeeds. */
  get breakerState(): 'closed' | 'open' | 'half-open' {
    if (this.#openUntil === 0) return 'closed'
    return this.#openUntil > Date.now() && !this.#probing ? 'open' : 'half-open'
  }

  /**
   * Runs `fn` against the store. `force` attempts it even while the breaker is open
   * (invalidations must not be skipped: other processes may still read the store).
   */
  call<T>(operation: string, fn: (store: CacheStore) => Promise<T>, force = false): Promise<T> {
    // An in-process store has nothing to time out or trip a breaker on: skip both.
    if (!this.#useDeadline) return fn(this.store)
    return this.#guarded(operation, fn, force)
  }

  async #guarded<T>(operation: string, fn: (store: CacheStore) => Promise<T>, force: boolean): Promise<T> {
    let probe = false
    if (!force && this.#openUntil !== 0) {
      if (this.#openUntil > Date.now() || this.#probing) throw new CacheUnavailableError(operation)
      probe = this.#probing = true
    }
    try {
      const result = await withDeadline(fn(this.store), this.#settings.timeoutMs, operation)
      this.#consecutiveFailures = 0
      this.#openUntil = 0
      return result
    } catch (error) {
      if (error instanceof CacheNotIntegerError) throw error // the value's fault, not the store's
      this.#recordFailure()
      throw error instanceof CacheError ? error : new CacheStoreError(operation, error)
    } finally {
      if (probe) this.#probing = false
    }
  }

  #recordFailure(): void {
    this.#consecutiveFailures++
    if (this.#consecutiveFailures >= this.#settings.failures) this.#openUntil = Date.now() + this.#settings.cooldownMs
  }
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, operation: string): Promise<T> {
  // One promise settled by whichever comes first (a race of two promises and a `finally` cost
  // three more allocations and microtask turns on every store call of a hit).
  return new Promise<T>((resolve, reject) => {
    const due = performance.now() + timeoutMs
    let regranted = false
    const expire = (): void => {
      // A timer this late means our own event loop stalled (a GC pause, a long synchronous task),
      // not the store: the command may not even have left yet (the driver corks writes until the
      // next tick), so the store gets its deadline again, once, on a free loop.
      if (!regranted && performance.now() - due > timeoutMs / 2) {
        regranted = true
        timer = setTimeout(expire, timeoutMs)
        timer.unref()
        return
      }
      // Expired timers run before pending I/O is read: a reply that arrived just in time would
      // lose to its own deadline. Giving up one turn later (setImmediate runs after the I/O poll)
      // lets it win.
      setImmediate(() => reject(new CacheTimeoutError(operation, timeoutMs)))
    }
    let timer = setTimeout(expire, timeoutMs)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
