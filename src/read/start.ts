/**
 * Starting a read — the one place that decides whether a read is cached: the per-read `cache`
 * option and the model policy, `scope()` (called exactly once per read), the `cache` option
 * stripped from the arguments, and the plan. Every entry point (the typed read methods, the
 * query hook) starts its reads here.
 */
import type { CacheEngine } from '../engine.js'
import { planRead, type Plan } from './plan.js'
import { readPolicy } from './policy.js'

type Args = Record<string, unknown> | undefined

/** How a read will be served. */
export type StartedRead =
  /** Through the cache. */
  | { kind: 'cached'; plan: Plan }
  /** Not cached (no policy, `cache: false`). */
  | { kind: 'bypass'; args: Args; model: string; operation: string }
  /** Not cached because `scope()` threw: the failure is reported, the database answers. */
  | { kind: 'error'; args: Args; model: string; operation: string }

/**
 * Starts a read of `model.operation` with the caller's `args`. Throws `CacheConfigError` for a bad
 * `cache` option (the read rejects with it, as Prisma rejects bad arguments).
 */
export function startRead(engine: CacheEngine, model: string, operation: string, args: Args): StartedRead {
  const hasOption = args !== undefined && args !== null && 'cache' in args
  const queryArgs = hasOption ? withoutOption(args) : args
  const policy = readPolicy(engine.options, model, hasOption ? args.cache : undefined)
  if (!policy) return { kind: 'bypass', args: queryArgs, model, operation }
  let scope: string | undefined
  try {
    scope = engine.options.scope?.()
  } catch (error) {
    engine.report(error, { model, operation })
    return { kind: 'error', args: queryArgs, model, operation }
  }
  return { kind: 'cached', plan: planRead(engine, model, operation, queryArgs, policy, scope) }
}

/** `args` without the `cache` option (Prisma must never see it); `args` itself when it has none. */
export function withoutCache(args: Args): Args {
  return args && 'cache' in args ? withoutOption(args) : args
}

function withoutOption(args: Record<string, unknown>): Record<string, unknown> {
  const { cache: _cache, ...rest } = args
  return rest
}
