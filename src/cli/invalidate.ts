/**
 * `prisma-query-cache invalidate --models A,B --tags x,y`: replaces the versions of those models'
 * and tags' dependency tags, exactly as `$cache.invalidate()` does, through redisStore (so tiered
 * processes listening on the bus channel, `--channel` or `<namespace>:bus`, evict their L1 copies too).
 */
import type { Redis } from 'ioredis'
import { allRowsTag, modelTag, userTag } from '../dependencies/tags.js'
import { redisStore } from '../stores/redis.js'
import { versionKey } from '../codec/keys.js'
import { newVersion, VERSION_TTL_MS } from '../dependencies/versions.js'
import { emit, formatMs, UsageError, type GlobalOptions } from './output.js'

/** The `--json` output of `invalidate`. */
export interface InvalidateReport {
  models: string[]
  tags: string[]
  /** Version keys replaced. */
  versions: number
  durationMs: number
}

/** Splits a comma-separated option value into names. */
export function nameList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)
}

/** Bumps the versions of `models` (every entry that read them) and of the user `tags`. */
export async function invalidate(client: Redis, options: GlobalOptions, models: string[], tags: string[]): Promise<InvalidateReport> {
  if (models.length === 0 && tags.length === 0) throw new UsageError('invalidate: give --models and/or --tags')
  for (const model of models) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(model)) throw new UsageError(`invalidate: "${model}" is not a Prisma model name`)
  }
  const started = performance.now()
  const all = [...models.flatMap((m) => [modelTag(m), allRowsTag(m)]), ...tags.map(userTag)]
  // Attached to the namespace, the store announces the new versions on its channel; unattached it announced nothing.
  const store = redisStore({ client, channel: options.channel })
  store.attach({ namespace: options.namespace })
  await store.setMany(all.map((tag) => [versionKey(options.namespace, tag), newVersion()]), VERSION_TTL_MS)
  return { models, tags, versions: all.length, durationMs: Math.round(performance.now() - started) }
}

/** Prints an {@link InvalidateReport}. */
export function printInvalidate(options: GlobalOptions, report: InvalidateReport): void {
  const what = [...report.models.map((m) => `model ${m}`), ...report.tags.map((t) => `tag ${t}`)].join(', ')
  emit(options, report, () => `invalidated ${what} in namespace "${options.namespace}" (${report.versions} versions replaced) in ${formatMs(report.durationMs)}`)
}
