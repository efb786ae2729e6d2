/**
 * `prisma.$cache`: invalidation by tags and models, `clear()`, counters and events.
 */
import { allRowsTag, modelTag, userTag } from '../dependencies/tags.js'
import type { CacheEngine } from '../engine.js'
import { CacheConfigError } from '../errors.js'
import type { CacheEventListener, CacheEventName, CacheStats } from '../events.js'
import { expectPlainObject, rejectUnknownKeys } from '../options.js'
import { checkHealth, type CacheHealth } from './health.js'
import { tagList } from '../read/policy.js'
import { createKeyValueApi, type KeyValueApi } from './key-value-api.js'

/** What `prisma.$cache` offers: invalidation, counters, events and the key/value operations. */
export interface CacheApi extends KeyValueApi {
  /** Invalidates every entry depending on the given user tags or Prisma models; resolves once the store has it. */
  invalidate(target: { tags?: string[]; models?: string[] }): Promise<void>
  /** Deletes every key of this extension's namespace (SCAN, never KEYS). */
  clear(): Promise<void>
  /**
   * Resolves once the store writes and `swr` refreshes that run after their read returned have
   * finished (a Redis miss returns before its entry is written). Call it before a serverless
   * function freezes or a process exits, and in tests that inspect the store.
   */
  settle(): Promise<void>
  /** Counters since the extension was created. */
  stats(): CacheStats
  /** Pings the store (within `timeouts.store`) and reports it, the breaker and the bus. Never rejects. */
  health(): Promise<CacheHealth>
  /** Subscribes to a cache event. */
  on(event: CacheEventName, listener: CacheEventListener): void
  /** Unsubscribes a listener added with `on`. */
  off(event: CacheEventName, listener: CacheEventListener): void
}

/** Builds the `$cache` object of one extension instance. */
export function createCacheApi(engine: CacheEngine): CacheApi {
  return {
    ...createKeyValueApi(engine),
    async invalidate(target) {
      expectPlainObject('invalidate()', target)
      rejectUnknownKeys('invalidate().', target, ['tags', 'models'])
      const tags = target.tags === undefined ? [] : tagList('invalidate().tags', target.tags).map(userTag)
      const models = target.models === undefined ? [] : modelList(engine, target.models)
      const all = [...tags, ...models.flatMap((m) => [modelTag(m), allRowsTag(m)])]
      await engine.invalidate(all)
    },
    async clear() {
      try {
        await engine.guard.call('clear', (s) => s.clear(engine.options.namespace + ':'), true)
      } catch (error) {
        engine.report(error)
      }
    },
    settle: () => engine.settle(),
    stats: () => engine.events.stats(),
    health: () => checkHealth(engine),
    on: (event, listener) => engine.events.on(event, listener),
    off: (event, listener) => engine.events.off(event, listener),
  }
}

function modelList(engine: CacheEngine, models: unknown): string[] {
  const names = tagList('invalidate().models', models)
  for (const name of names) {
    if (!engine.graph.models.has(name)) {
      throw new CacheConfigError('invalidate().models', `Prisma model names (one of ${[...engine.graph.models.keys()].join(', ')})`, name)
    }
  }
  return names
}
