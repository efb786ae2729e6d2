/**
 * Errors thrown or reported by prisma-query-cache. Every class carries a stable `code`
 * so callers can branch on it without matching message text.
 */

/** Base class of every error this library creates. */
export class CacheError extends Error {
  /** Stable machine-readable code, e.g. `E_CACHE_CONFIG`. */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(`[prisma-query-cache] ${message}`, options)
    this.name = new.target.name
    this.code = code
  }
}

/** A bad option value or an unknown option name. Thrown at configuration or call time. */
export class CacheConfigError extends CacheError {
  static readonly code = 'E_CACHE_CONFIG'
  /** Dotted path of the offending option, e.g. `timeouts.store` or `models.Product.ttl`. */
  readonly path: string

  constructor(path: string, expected: string, received?: unknown) {
    const got = arguments.length >= 3 ? ` (received ${describe(received)})` : ''
    super(CacheConfigError.code, `${path}: ${expected}${got}`)
    this.path = path
  }
}

/** A store operation failed (connection, server error). Reported, never thrown into a query. */
export class CacheStoreError extends CacheError {
  static readonly code = 'E_CACHE_STORE'
  constructor(operation: string, cause: unknown) {
    super(CacheStoreError.code, `store ${operation} failed: ${messageOf(cause)}`, { cause })
  }
}

/** A store operation passed its deadline (`timeouts.store`). */
export class CacheTimeoutError extends CacheError {
  static readonly code = 'E_CACHE_TIMEOUT'
  constructor(operation: string, timeoutMs: number) {
    super(CacheTimeoutError.code, `store ${operation} timed out after ${timeoutMs} ms`)
  }
}

/** The circuit breaker is open: the store is skipped for a cool-down. */
export class CacheUnavailableError extends CacheError {
  static readonly code = 'E_CACHE_UNAVAILABLE'
  constructor(operation: string) {
    super(CacheUnavailableError.code, `store ${operation} skipped: circuit breaker is open`)
  }
}

/** A value could not be serialized or a stored value could not be decoded. */
export class CacheSerializationError extends CacheError {
  static readonly code: string = 'E_CACHE_SERIALIZATION'
  constructor(message: string, cause?: unknown) {
    super(new.target.code, message, { cause })
  }
}

/**
 * `$cache.incr`/`decr` on a value that is not an integer. The same on every store, and not a
 * store failure: it never counts toward the circuit breaker.
 */
export class CacheNotIntegerError extends CacheError {
  static readonly code = 'E_CACHE_NOT_INTEGER'
  constructor(key: string, cause?: unknown) {
    super(CacheNotIntegerError.code, `value at ${key} is not an integer`, { cause })
  }
}

/**
 * A stored entry's signature (option `sign`) is missing or wrong: someone else wrote it, or it
 * was signed with a secret no longer configured. The entry is a miss, never decoded.
 * A subclass of {@link CacheSerializationError}, so every path that treats an unreadable entry
 * as a miss treats this one the same way.
 */
export class CacheSignatureError extends CacheSerializationError {
  static override readonly code: string = 'E_CACHE_SIGNATURE'
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  return String(value)
}
