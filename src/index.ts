export { cacheExtension, type CacheArgs, type CachedPromise } from './extension.js'
export { DEFAULT_OPTIONS, type CacheOptions, type ModelPolicy, type SigningSecret } from './options.js'
export { memoryStore, MemoryStore, type MemoryStoreOptions } from './stores/memory.js'
export { redisStore, RedisStore, type RedisStoreOptions } from './stores/redis.js'
export { tieredStore, TieredStore, type TieredStoreOptions } from './stores/tiered.js'
export type { CacheStore, StoreValue } from './stores/store.js'
export type { CacheApi } from './kv/cache-api.js'
export type { KeyValueApi, SetOptions } from './kv/key-value-api.js'
export type { CacheEvent, CacheEventListener, CacheEventName, CacheStats, ModelStats } from './events.js'
export type { CacheHealth } from './kv/health.js'
export type { CacheInfo, CacheStatus, ReadCacheOption } from './types.js'
export {
  withAccelerate, type WithAccelerateOptions,
  type AccelerateApi, type AcceleratedPromise, type AccelerateInfo, type AccelerateInvalidateInput, type AcceleratePromise, type PrismaCacheStrategy,
} from './accelerate/index.js'
export {
  CacheError, CacheConfigError, CacheNotIntegerError, CacheStoreError, CacheTimeoutError, CacheUnavailableError, CacheSerializationError,
  CacheSignatureError,
} from './errors.js'
