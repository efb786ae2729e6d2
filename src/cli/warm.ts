/**
 * `prisma-query-cache warm <module>`: imports the module, takes its `prisma` export (extended
 * with the cache on `--redis`/`--namespace` unless it already has `$cache`) and calls its
 * default export with that client; every cacheable read it makes is stored. Progress counts the
 * reads as they happen (a module may export `total`, the number of reads it will make, for a bar).
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Redis } from 'ioredis'
import type { CacheApi } from '../kv/cache-api.js'
import type { CacheEventName } from '../events.js'
import { cacheExtension } from '../extension.js'
import { redisStore } from '../stores/redis.js'
import { CliError, emit, formatMs, progress, UsageError, type GlobalOptions } from './output.js'

/** The `--json` output of `warm`. */
export interface WarmReport {
  module: string
  namespace: string
  reads: number
  /** Reads that ran on the database and were stored (misses). */
  stored: number
  /** Reads already in the cache. */
  alreadyCached: number
  skipped: number
  errors: number
  durationMs: number
}

interface WarmModule {
  prisma?: unknown
  default?: unknown
  total?: unknown
}

type Client = { $cache?: CacheApi; $extends(extension: unknown): Client; $disconnect?(): Promise<void> }

/** Runs the module's warm-up function against the cached client. */
export async function warm(client: Redis, options: GlobalOptions, modulePath: string, ttlSeconds: number): Promise<WarmReport> {
  const mod = await load(modulePath)
  const app = mod.prisma as Client | undefined
  if (typeof app !== 'object' || app === null || typeof app.$extends !== 'function') throw new UsageError(`warm: ${modulePath} must export \`prisma\` (a PrismaClient)`)
  if (typeof mod.default !== 'function') throw new UsageError(`warm: ${modulePath} must export a default async function (called with the cached client)`)
  const prisma = app.$cache ? app : app.$extends(cacheExtension({ store: redisStore({ client }), namespace: options.namespace, mode: 'all', ttl: ttlSeconds, timeouts: { store: 2000 } }))
  const cache = prisma.$cache!
  const total = typeof mod.total === 'number' ? mod.total : undefined
  const bar = progress(options, 'warm', total, 'reads')
  const counts = { hit: 0, miss: 0, stale: 0, set: 0, skip: 0, error: 0 }
  const listeners = (Object.keys(counts) as (keyof typeof counts & CacheEventName)[]).map((name) => {
    const listener = () => {
      counts[name]++
      if (name === 'hit' || name === 'miss' || name === 'stale') bar.increment(1)
    }
    cache.on(name, listener)
    return [name, listener] as const
  })
  const started = performance.now()
  try {
    await (mod.default as (prisma: unknown) => Promise<unknown>)(prisma)
    await cache.settle() // a Redis miss stores its entry after returning: wait for every write
  } catch (error) {
    throw new CliError(`warm: ${modulePath} failed: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    bar.stop()
    for (const [name, listener] of listeners) cache.off(name, listener)
    await app.$disconnect?.().catch(() => {})
  }
  return {
    module: modulePath,
    namespace: options.namespace,
    reads: counts.hit + counts.miss + counts.stale,
    stored: counts.set,
    alreadyCached: counts.hit + counts.stale,
    skipped: counts.skip,
    errors: counts.error,
    durationMs: Math.round(performance.now() - started),
  }
}

/** Prints a {@link WarmReport}. */
export function printWarm(options: GlobalOptions, report: WarmReport): void {
  emit(options, report, () => [
    `warmed namespace "${report.namespace}" with ${report.module} in ${formatMs(report.durationMs)}:`,
    `  ${report.reads} reads, ${report.stored} stored, ${report.alreadyCached} already cached, ${report.skipped} skipped, ${report.errors} errors`,
  ].join('\n'))
}

async function load(modulePath: string): Promise<WarmModule> {
  try {
    return (await import(pathToFileURL(resolve(process.cwd(), modulePath)).href)) as WarmModule
  } catch (error) {
    throw new CliError(`warm: cannot load ${modulePath}: ${error instanceof Error ? error.message : String(error)}`)
  }
}
