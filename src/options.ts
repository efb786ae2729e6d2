/**
 * Defaults and validation of `cacheExtension()` options. Public lifetimes (`ttl`, `swr`, and
 * those of `models`) are seconds, like Prisma Accelerate and Django; the deadlines `timeouts`,
 * `breaker.cooldown` and `lock` are milliseconds. Everything resolved here is milliseconds (`*Ms`).
 */
import { CacheConfigError, type CacheError } from './errors.js'
import type { CacheStore } from './stores/store.js'

/** Per-model policy: `false` never caches the model; an object overrides `ttl`/`swr`. */
export type ModelPolicy = false | { ttl?: number; swr?: number }

/** Options of {@link cacheExtension}. Every option is optional. */
export interface CacheOptions {
  /** Where entries live. @default memoryStore() */
  store?: CacheStore
  /** Seconds an entry is fresh. @default 60 */
  ttl?: number
  /** Seconds after `ttl` during which a stale entry is served while one refresh runs; `0` turns it off. @default 0 */
  swr?: number
  /** `'opt-in'` caches only reads with a `cache` option; `'all'` caches every read unless `cache: false`. @default 'opt-in' */
  mode?: 'opt-in' | 'all'
  /** Per-model policy by Prisma model name, e.g. `{ AuditLog: false, Product: { ttl: 300 } }`. @default {} */
  models?: Record<string, ModelPolicy>
  /**
   * Prefix of every key this extension writes (1-64 letters, digits, `_`, `.`, `-`; no `:`);
   * `clear()` touches only this namespace. @default 'pqc'
   */
  namespace?: string
  /** Called per read; its value becomes part of the key (e.g. a tenant id). `undefined` means unscoped. */
  scope?: () => string | undefined
  /** Serialized results larger than this many bytes are returned but not cached. @default 1048576 */
  maxEntryBytes?: number
  /**
   * Serialized values above this many bytes are compressed before they go to Redis (the memory
   * store keeps them as they are); `0` turns compression off. @default 16384
   */
  compressAbove?: number
  /** Deadlines in milliseconds. `store`: every store operation. @default { store: 100 } */
  timeouts?: { store?: number }
  /** After `failures` consecutive store failures, skip the store for `cooldown` ms. @default { failures: 5, cooldown: 5000 } */
  breaker?: { failures?: number; cooldown?: number }
  /** Stampede lock lifetime and longest wait, in milliseconds. @default { ttl: 5000, wait: 3000 } */
  lock?: { ttl?: number; wait?: number }
  /**
   * What `$executeRaw*` does to the cache: `'invalidate-all'` every model; `'by-table'` only the
   * models whose tables a plain INSERT/UPDATE/DELETE/MERGE/TRUNCATE names (plus what their
   * referential actions reach), everything when the statement is anything else; `'ignore'` nothing.
   * @default 'invalidate-all'
   */
  raw?: 'invalidate-all' | 'by-table' | 'ignore'
  /**
   * `'row'`: a `findUnique` that found its row depends on that row only, so writes to other rows
   * leave it cached. `'model'`: every entry depends on its whole models (simpler, fewer hits).
   * @default 'row'
   */
  precision?: 'row' | 'model'
  /**
   * `'copy'`: every hit is a fresh, exactly typed copy, so mutating a result never changes a
   * later hit (the value decoded from a stored entry is kept, bounded, and copied for each hit of
   * that same stored value instead of being decoded again).
   * `'frozen'`: hits of the same stored entry share one deeply frozen result (objects and arrays
   * frozen: a mutation throws in strict mode instead of changing the cache), decoded once — the
   * fastest hit, for code that treats results as read-only. `Date` and byte arrays cannot be
   * frozen: their setters still work and would change the shared value.
   * @default 'copy'
   */
  results?: 'copy' | 'frozen'
  /** Called with every cache-side failure; never rethrown into a query. @default emits the `error` event */
  onError?: (error: CacheError) => void
  /**
   * OpenTelemetry spans and metrics when `@opentelemetry/api` is installed and an SDK registered;
   * `false` turns them off. @default true
   */
  telemetry?: boolean
  /**
   * Signs every stored entry with HMAC-SHA-256 (bound to its key); an entry whose MAC is missing
   * or wrong is a miss (event `error`, `CacheSignatureError`), never decoded. `secret` is a string
   * or Buffer, or an array for rotation: the first signs, every one verifies.
   * @default undefined (entries are not signed)
   */
  sign?: { secret: SigningSecret | readonly SigningSecret[] }
  /**
   * Prisma model names whose rows belong to the current `scope` (e.g. tenant-owned models): a
   * write made under scope S invalidates, for these models, only S's entries and the unscoped
   * ones; a write made without a scope invalidates every scope's entries.
   * @default [] (a write invalidates every scope's entries)
   */
  scopedModels?: readonly string[]
}

/** A model policy after validation, in milliseconds. */
export type ResolvedModelPolicy = false | { ttlMs?: number; swrMs?: number }

/** A secret of option `sign`: a non-empty string or Buffer. */
export type SigningSecret = string | Buffer

/** Options after defaults and validation, in milliseconds. */
export interface ResolvedOptions {
  ttlMs: number
  swrMs: number
  mode: 'opt-in' | 'all'
  models: Record<string, ResolvedModelPolicy>
  namespace: string
  scope: (() => string | undefined) | undefined
  maxEntryBytes: number
  compressAbove: number
  storeTimeoutMs: number
  breakerFailures: number
  breakerCooldownMs: number
  lockTtlMs: number
  lockWaitMs: number
  raw: 'invalidate-all' | 'by-table' | 'ignore'
  precision: 'row' | 'model'
  results: 'copy' | 'frozen'
  onError: ((error: CacheError) => void) | undefined
  telemetry: boolean
  /** Secrets of option `sign` as bytes (the first signs), or `undefined` when entries are not signed. */
  signSecrets: Buffer[] | undefined
  scopedModels: ReadonlySet<string>
}

/** The defaults, as documented in the README. */
export const DEFAULT_OPTIONS = {
  ttl: 60,
  swr: 0,
  mode: 'opt-in',
  namespace: 'pqc',
  maxEntryBytes: 1024 * 1024,
  compressAbove: 16 * 1024,
  timeouts: { store: 100 },
  breaker: { failures: 5, cooldown: 5000 },
  lock: { ttl: 5000, wait: 3000 },
  raw: 'invalidate-all',
  precision: 'row',
  results: 'copy',
  telemetry: true,
} as const

const OPTION_NAMES = [
  'store', 'ttl', 'swr', 'mode', 'models', 'namespace', 'scope', 'maxEntryBytes',
  'compressAbove', 'timeouts', 'breaker', 'lock', 'raw', 'precision', 'results', 'onError', 'telemetry', 'sign',
  'scopedModels',
]

/** Validates `options` and fills in defaults. Throws {@link CacheConfigError} naming the option. */
export function resolveOptions(options: CacheOptions = {}): ResolvedOptions {
  expectPlainObject('options', options)
  rejectUnknownKeys('', options, OPTION_NAMES)
  const o = options as Record<string, unknown>
  const timeouts = subObject(o, 'timeouts', ['store'])
  const breaker = subObject(o, 'breaker', ['failures', 'cooldown'])
  const lock = subObject(o, 'lock', ['ttl', 'wait'])
  return {
    ttlMs: seconds('ttl', given(o.ttl, DEFAULT_OPTIONS.ttl), false),
    swrMs: seconds('swr', given(o.swr, DEFAULT_OPTIONS.swr), true),
    mode: oneOf('mode', given(o.mode, DEFAULT_OPTIONS.mode), ['opt-in', 'all']),
    models: modelPolicies(given(o.models, {})),
    namespace: namespaceOption(given(o.namespace, DEFAULT_OPTIONS.namespace)),
    scope: optionalFunction('scope', o.scope) as ResolvedOptions['scope'],
    maxEntryBytes: integer('maxEntryBytes', given(o.maxEntryBytes, DEFAULT_OPTIONS.maxEntryBytes), 1),
    compressAbove: integer('compressAbove', given(o.compressAbove, DEFAULT_OPTIONS.compressAbove), 0),
    storeTimeoutMs: integer('timeouts.store', given(timeouts.store, DEFAULT_OPTIONS.timeouts.store), 1),
    breakerFailures: integer('breaker.failures', given(breaker.failures, DEFAULT_OPTIONS.breaker.failures), 1),
    breakerCooldownMs: integer('breaker.cooldown', given(breaker.cooldown, DEFAULT_OPTIONS.breaker.cooldown), 0),
    lockTtlMs: integer('lock.ttl', given(lock.ttl, DEFAULT_OPTIONS.lock.ttl), 1),
    lockWaitMs: integer('lock.wait', given(lock.wait, DEFAULT_OPTIONS.lock.wait), 0),
    raw: oneOf('raw', given(o.raw, DEFAULT_OPTIONS.raw), ['invalidate-all', 'by-table', 'ignore']),
    precision: oneOf('precision', given(o.precision, DEFAULT_OPTIONS.precision), ['row', 'model']),
    results: oneOf('results', given(o.results, DEFAULT_OPTIONS.results), ['copy', 'frozen']),
    onError: optionalFunction('onError', o.onError) as ResolvedOptions['onError'],
    telemetry: boolean('telemetry', given(o.telemetry, DEFAULT_OPTIONS.telemetry)),
    signSecrets: signOption(o.sign),
    scopedModels: new Set(stringList('scopedModels', given(o.scopedModels, []))),
  }
}

/** `value`, or `fallback` when the option was left out. `null` is not left out: it fails validation like any other wrong value. */
function given(value: unknown, fallback: unknown): unknown {
  return value === undefined ? fallback : value
}

/** Throws unless every model named in `models` and `scopedModels` exists in the schema. */
export function checkModelNames(models: Record<string, unknown>, known: readonly string[], scopedModels: Iterable<string> = []): void {
  for (const name of Object.keys(models)) {
    if (!known.includes(name)) {
      throw new CacheConfigError(`models.${name}`, `an existing Prisma model name (one of ${known.join(', ')})`, name)
    }
  }
  for (const name of scopedModels) {
    if (!known.includes(name)) throw new CacheConfigError('scopedModels', `existing Prisma model names (one of ${known.join(', ')})`, name)
  }
}

/** The longest TTL in seconds: its milliseconds are still a safe integer (about 285,000 years). */
const MAX_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000)

/** Validates a duration in seconds and returns milliseconds. */
export function seconds(path: string, value: unknown, allowZero: boolean): number {
  // The bound keeps every TTL a whole number of milliseconds that Redis (PX) and the entry header can hold.
  const ok = typeof value === 'number' && (allowZero ? value >= 0 : value > 0) && value <= MAX_SECONDS
  if (!ok) throw new CacheConfigError(path, `a number of seconds ${allowZero ? '>= 0' : '> 0'} and <= ${MAX_SECONDS}`, value)
  return Math.round(value * 1000)
}

/** Throws a {@link CacheConfigError} for the first key of `value` not in `allowed`. */
export function rejectUnknownKeys(prefix: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new CacheConfigError(`${prefix}${key}`, `a known option (one of ${allowed.join(', ')})`, 'an unknown option')
    }
  }
}

/** Throws unless `value` is a plain object. */
export function expectPlainObject(path: string, value: unknown): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw new CacheConfigError(path, 'an object', value)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function subObject(o: Record<string, unknown>, name: string, keys: string[]): Record<string, unknown> {
  const value = o[name]
  if (value === undefined) return {}
  expectPlainObject(name, value)
  rejectUnknownKeys(`${name}.`, value, keys)
  return value
}

function integer(path: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new CacheConfigError(path, `an integer >= ${min}`, value)
  }
  return value
}

function oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new CacheConfigError(path, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value)
  }
  return value as T
}

function boolean(path: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new CacheConfigError(path, 'true or false', value)
  return value
}

function optionalFunction(path: string, value: unknown): unknown {
  if (value !== undefined && typeof value !== 'function') throw new CacheConfigError(path, 'a function', value)
  return value
}

function signOption(value: unknown): Buffer[] | undefined {
  if (value === undefined) return undefined
  expectPlainObject('sign', value)
  rejectUnknownKeys('sign.', value, ['secret'])
  const secrets = Array.isArray(value.secret) ? value.secret as unknown[] : [value.secret]
  if (secrets.length === 0) throw new CacheConfigError('sign.secret', 'a non-empty string or Buffer, or a non-empty array of them', value.secret)
  return secrets.map((secret, i) => {
    const path = Array.isArray(value.secret) ? `sign.secret[${i}]` : 'sign.secret'
    const ok = (typeof secret === 'string' || Buffer.isBuffer(secret)) && secret.length > 0
    if (!ok) throw new CacheConfigError(path, 'a non-empty string or Buffer', secret)
    return Buffer.from(secret as string | Buffer) // a copy: later changes to the caller's Buffer do not change the key
  })
}

function stringList(path: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new CacheConfigError(path, 'an array of model names', value)
  }
  return value as string[]
}

/**
 * No `:`: it ends the namespace in every key, so namespace `app` would reach into `app:x`'s keys
 * (`clear()` scans `app:*`) and a key of one could spell a key of the other.
 */
function namespaceOption(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
    throw new CacheConfigError('namespace', "a string of 1-64 letters, digits, or _ . - (no ':', which ends the namespace in every key)", value)
  }
  return value
}

function modelPolicies(value: unknown): Record<string, ResolvedModelPolicy> {
  expectPlainObject('models', value)
  const out: Record<string, ResolvedModelPolicy> = {}
  for (const [name, policy] of Object.entries(value)) {
    if (policy === false) {
      out[name] = false
      continue
    }
    if (!isPlainObject(policy)) throw new CacheConfigError(`models.${name}`, 'false or an object { ttl?, swr? }', policy)
    rejectUnknownKeys(`models.${name}.`, policy, ['ttl', 'swr'])
    out[name] = {
      ...(policy.ttl !== undefined && { ttlMs: seconds(`models.${name}.ttl`, policy.ttl, false) }),
      ...(policy.swr !== undefined && { swrMs: seconds(`models.${name}.swr`, policy.swr, true) }),
    }
  }
  return out
}
