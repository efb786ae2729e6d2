import { describe, expect, it } from 'vitest'
import { cacheExtension, CacheConfigError, DEFAULT_OPTIONS, memoryStore, redisStore } from '../../src/index.js'
import { resolveOptions } from '../../src/options.js'
import { readPolicy } from '../../src/read/policy.js'

/** Runs `fn` and returns the CacheConfigError it throws (fails the test otherwise). */
function configError(fn: () => unknown): CacheConfigError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError)
    return error as CacheConfigError
  }
  throw new Error('expected a CacheConfigError, nothing was thrown')
}

describe('cacheExtension() options', () => {
  it.each<[string, Record<string, unknown>]>([
    ['unknownOption', { unknownOption: 1 }],
    ['ttl', { ttl: -1 }],
    ['ttl', { ttl: 0 }],
    ['ttl', { ttl: '60' }],
    ['ttl', { ttl: Number.NaN }],
    ['ttl', { ttl: 1e308 }], // finite, but its milliseconds are not: the entries could not be written or read
    ['ttl', { ttl: Number.POSITIVE_INFINITY }],
    ['swr', { swr: -1 }],
    ['mode', { mode: 'sometimes' }],
    ['namespace', { namespace: '' }],
    ['namespace', { namespace: 'a b' }],
    ['namespace', { namespace: 'app:x' }], // ':' ends the namespace: 'app' would clear 'app:x'
    ['timeouts.store', { timeouts: { store: 0 } }],
    ['timeouts.nope', { timeouts: { nope: 1 } }],
    ['timeouts', { timeouts: 100 }],
    ['breaker.failures', { breaker: { failures: 0 } }],
    ['breaker.cooldown', { breaker: { cooldown: -1 } }],
    ['lock.wait', { lock: { wait: -1 } }],
    ['lock.ttl', { lock: { ttl: 0 } }],
    ['raw', { raw: 'x' }],
    ['precision', { precision: 'rows' }],
    ['onError', { onError: 1 }],
    ['telemetry', { telemetry: 'yes' }],
    ['scope', { scope: 'x' }],
    ['maxEntryBytes', { maxEntryBytes: 0 }],
    ['compressAbove', { compressAbove: -1 }],
    ['store', { store: {} }],
    ['models', { models: [] }],
    ['models.Product.ttl', { models: { Product: { ttl: 0 } } }],
    ['models.Product.swr', { models: { Product: { swr: -5 } } }],
    ['models.Product.nope', { models: { Product: { nope: 1 } } }],
    ['models.Product', { models: { Product: true } }],
    // null is a wrong value, not a left-out option
    ['store', { store: null }],
    ['ttl', { ttl: null }],
    ['swr', { swr: null }],
    ['mode', { mode: null }],
    ['models', { models: null }],
    ['models.Product', { models: { Product: null } }],
    ['namespace', { namespace: null }],
    ['maxEntryBytes', { maxEntryBytes: null }],
    ['compressAbove', { compressAbove: null }],
    ['timeouts.store', { timeouts: { store: null } }],
    ['breaker.failures', { breaker: { failures: null } }],
    ['breaker.cooldown', { breaker: { cooldown: null } }],
    ['lock.ttl', { lock: { ttl: null } }],
    ['lock.wait', { lock: { wait: null } }],
    ['raw', { raw: null }],
    ['precision', { precision: null }],
    ['results', { results: null }],
    ['telemetry', { telemetry: null }],
    ['scopedModels', { scopedModels: null }],
  ])('throws CacheConfigError with path %s for %j', (path, options) => {
    const error = configError(() => cacheExtension(options as never))
    expect(error.path).toBe(path)
    expect(error.code).toBe('E_CACHE_CONFIG')
    expect(error.message).toContain(path)
  })

  it('a model policy that is neither false nor an object says both are allowed', () => {
    expect(configError(() => cacheExtension({ models: { Product: true } } as never)).message).toContain('false or an object')
  })

  it('accepts every documented option with a valid value', () => {
    expect(() => cacheExtension({
      store: memoryStore(), ttl: 1.5, swr: 0, mode: 'all', models: { Product: { ttl: 300, swr: 60 }, AuditLog: false },
      namespace: 'app_1.x-y', scope: () => undefined, maxEntryBytes: 1, compressAbove: 0, timeouts: { store: 1 },
      breaker: { failures: 1, cooldown: 0 }, lock: { ttl: 1, wait: 0 }, raw: 'ignore', precision: 'model', onError: () => {},
    })).not.toThrow()
    expect(() => cacheExtension({ raw: 'by-table' })).not.toThrow()
    expect(() => cacheExtension()).not.toThrow()
  })

  it('resolves the documented defaults, in milliseconds', () => {
    const resolved = resolveOptions({})
    expect(resolved).toMatchObject({
      ttlMs: DEFAULT_OPTIONS.ttl * 1000, swrMs: 0, mode: 'opt-in', namespace: 'pqc', maxEntryBytes: 1024 * 1024,
      compressAbove: 16 * 1024, storeTimeoutMs: 100, breakerFailures: 5, breakerCooldownMs: 5000,
      lockTtlMs: 5000, lockWaitMs: 3000, raw: 'invalidate-all', precision: 'row',
    })
  })
})

describe('store factory options', () => {
  it.each(['maxEntries', 'maxBytes'])('memoryStore({ %s: null }) throws CacheConfigError naming it (no silent default)', (option) => {
    expect(configError(() => memoryStore({ [option]: null } as never)).path).toBe(`memoryStore.${option}`)
  })

  it('memoryStore({ maxEntries: 0 }) throws CacheConfigError naming maxEntries', () => {
    expect(configError(() => memoryStore({ maxEntries: 0 })).path).toBe('memoryStore.maxEntries')
    expect(configError(() => memoryStore({ maxBytes: 0.5 })).path).toBe('memoryStore.maxBytes')
    expect(configError(() => memoryStore({ nope: 1 } as never)).path).toBe('memoryStore.nope')
  })

  it('redisStore({ client: {} }) throws CacheConfigError naming the client', () => {
    expect(configError(() => redisStore({ client: {} as never })).path).toBe('redisStore.client')
    expect(configError(() => redisStore({} as never)).path).toBe('redisStore.client')
  })
})

describe('per-read cache option', () => {
  const options = resolveOptions({ ttl: 60, swr: 5, models: { Product: { ttl: 300 }, AuditLog: false } })

  it.each<[string, unknown]>([
    ['cache.ttl', { ttl: -1 }],
    ['cache.ttl', { ttl: '5' }],
    ['cache.ttl', { ttl: 1e300 }],
    ['cache.swr', { swr: -1 }],
    ['cache.nope', { nope: 1 }],
    ['cache.tags', { tags: [1] }],
    ['cache.tags', { tags: 'dashboard' }],
    ['cache.tags', { tags: [''] }],
    ['cache.key', { key: '' }],
    ['cache', 'yes'],
    ['cache', null],
  ])('throws CacheConfigError with path %s for cache: %j', (path, cache) => {
    expect(configError(() => readPolicy(options, 'User', cache)).path).toBe(path)
  })

  it('bypasses without a cache option in opt-in mode, and with cache: false in any mode', () => {
    expect(readPolicy(options, 'User', undefined)).toBeUndefined()
    expect(readPolicy(resolveOptions({ mode: 'all' }), 'User', false)).toBeUndefined()
    expect(readPolicy(resolveOptions({ mode: 'all' }), 'User', undefined)).toBeDefined()
  })

  it('lets a model policy of false bypass in all mode, unless the read asks for the cache', () => {
    const all = resolveOptions({ mode: 'all', models: { AuditLog: false } })
    expect(readPolicy(all, 'AuditLog', undefined)).toBeUndefined()
    expect(readPolicy(all, 'AuditLog', true)).toBeDefined()
  })

  it('takes ttl from the read, then the model policy, then the extension', () => {
    expect(readPolicy(options, 'User', true)).toEqual({ ttlMs: 60_000, swrMs: 5_000, tags: [], key: undefined })
    expect(readPolicy(options, 'Product', true)?.ttlMs).toBe(300_000)
    expect(readPolicy(options, 'Product', { ttl: 2, tags: ['a'], key: 'k' })).toEqual({ ttlMs: 2_000, swrMs: 5_000, tags: ['a'], key: 'k' })
  })
})
