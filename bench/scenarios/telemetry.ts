/**
 * What OpenTelemetry costs a hit when `@opentelemetry/api` is installed but no SDK is registered
 * (the default for most apps): the same findUnique hit, round-robin, on a client with
 * `telemetry: false` ("off", what a hit cost before telemetry existed) and one with the default
 * (`telemetry: true`). Both stores: memory (the in-process fast path) and Redis.
 */
import { createRequire } from 'node:module'
import { Redis } from 'ioredis'
import { cacheExtension, memoryStore, redisStore, type CacheStore } from '../../src/index.js'
import { config } from '../helpers/config.js'
import type { InstanceEnv } from '../helpers/contestants.js'
import { countedClient } from '../helpers/database.js'
import { roundRobin, type Stats } from '../helpers/measure.js'
import type { Dataset } from '../helpers/workload.js'

/** p50s of one store with telemetry off and on (no SDK). */
export interface TelemetryOverhead {
  store: 'memory' | 'redis'
  off: Stats
  on: Stats
  /** on.p50 / off.p50 */
  ratio: number
}

/** The result, or why there is none. */
export type TelemetryResult = { apiInstalled: boolean; sdk: false; stores: TelemetryOverhead[] } | { error: string }

const KEYS = 50

/** Measures a findUnique hit with telemetry off and on, on the memory and the Redis store. */
export async function telemetryOverhead(env: InstanceEnv, data: Dataset): Promise<TelemetryResult> {
  let apiInstalled = true
  try {
    createRequire(import.meta.url).resolve('@opentelemetry/api')
  } catch {
    apiInstalled = false
  }
  const redis = new Redis(env.redisUrl, { db: env.redisDb })
  const closers: (() => Promise<unknown>)[] = [async () => redis.disconnect()]
  try {
    const stores: TelemetryOverhead[] = []
    for (const kind of ['memory', 'redis'] as const) {
      const entries = []
      for (const telemetry of [false, true]) {
        const store: CacheStore = kind === 'memory' ? memoryStore() : redisStore({ client: redis })
        const { prisma, counter } = countedClient(env.databaseUrl)
        closers.push(() => prisma.$disconnect())
        const client = prisma.$extends(cacheExtension({ store, ttl: 3600, namespace: `pqcbt${kind}${telemetry}${data.runToken}`, telemetry }))
        const ids = Array.from({ length: KEYS }, (_, i) => 1 + ((i * 17) % data.users))
        for (const id of [...ids, ...ids]) await client.user.findUnique({ where: { id }, cache: true })
        let i = 0
        entries.push({ id: telemetry ? 'on' : 'off', counter, fn: () => client.user.findUnique({ where: { id: ids[i++ % KEYS]! }, cache: true }) })
      }
      const measured = await roundRobin(entries, { rounds: config.rounds, roundMs: config.roundMs })
      const off = measured.get('off')!
      const on = measured.get('on')!
      if ('error' in off || 'error' in on) return { error: 'error' in off ? off.error : (on as { error: string }).error }
      stores.push({ store: kind, off: off.stats, on: on.stats, ratio: on.stats.p50 / off.stats.p50 })
    }
    return { apiInstalled, sdk: false, stores }
  } finally {
    for (const close of closers) await close()
  }
}
