/**
 * Row precision vs model-level invalidation, measured by the model-based checker (test/checker)
 * on its read-heavy mix: 90% `findUnique` by id over 60 users, 10% updates by id, three clients on
 * one Redis namespace. The same seed runs once with `precision: 'row'` and once with
 * `precision: 'model'`; every cached read the checker verifies must match the database in both.
 * The number is a hit rate (hits / cached reads), not a timing.
 */
import { runChecker } from '../../test/checker/checker.js'
import type { RedisTarget } from '../../test/checker/world.js'

/** Hit rates (0..1) of each precision, and the operations each run executed. */
export interface PrecisionResult {
  row: number
  model: number
  ops: number
}

/** Options of {@link precisionHitRates}. */
export interface PrecisionOptions {
  /** Operations per precision. @default 4000 */
  ops?: number
  redis?: RedisTarget
  seed?: number
}

/** Runs the read-heavy mix with row and with model precision. Throws if the checker found a violation. */
export async function precisionHitRates(options: PrecisionOptions = {}): Promise<PrecisionResult> {
  const common = { world: 'redis' as const, mix: 'readHeavy' as const, ops: options.ops ?? 4000, seed: options.seed ?? 1, shrinkRuns: 0, ...(options.redis && { redis: options.redis }) }
  const row = await runChecker({ ...common, precision: 'row' })
  const model = await runChecker({ ...common, precision: 'model' })
  for (const report of [row, model]) {
    if (report.failure) throw new Error(`the checker found a violation with precision '${report.precision}':\n${report.failure}`)
  }
  return { row: row.hitRate, model: model.hitRate, ops: row.ops }
}
