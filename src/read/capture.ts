/** Capturing a read's dependency versions before its database query (guarantee 3: no stale set). */
import { captureVersions } from '../dependencies/versions.js'
import type { CacheEngine } from '../engine.js'
import { eventOf, type Plan } from './plan.js'

/** Current versions of the plan's tags (creating absent ones); `undefined` when the store failed (reported). */
export async function capture(engine: CacheEngine, plan: Plan, known: readonly (string | undefined)[]): Promise<string[] | undefined> {
  try {
    return await captureVersions(engine.guard, plan.versionKeys, known)
  } catch (error) {
    engine.report(error, eventOf(plan))
    return undefined
  }
}
