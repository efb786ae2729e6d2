/**
 * Reads answered by the typed read method itself rather than by the query hook: the method
 * consults the cache first and enters Prisma's request pipeline only to query the database. A
 * hit then costs the store lookup alone — Prisma's pipeline (argument processing, two extension
 * layers) is paid by misses only. The database query it does run is marked as a passthrough, so
 * the query hook does not consult the cache a second time.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { CacheEngine } from './engine.js'
import { recordInfo } from './info.js'
import { readPlanned, readThrough, type Plan, type ReadOutcome } from './read-path.js'
import { readPolicy } from './read-policy.js'

const passthrough = new AsyncLocalStorage<true>()

/** True inside a query a typed read method already handled: the hook must only run it. */
export function isPassthrough(): boolean {
  return passthrough.getStore() === true
}

/** `args` without the `cache` option (Prisma must never see it). */
export function withoutCache(args: Record<string, unknown>): Record<string, unknown> {
  const { cache: _cache, ...rest } = args
  return rest
}

/**
 * Serves a read through the cache, querying with `query` (the parent client's Prisma promise)
 * on a miss; `plan` is the read's key and tags when they were already derived. Returns
 * `undefined` when the read is not one to take this way (no caching policy, a throwing `scope`):
 * the caller then lets the query hook handle it as usual.
 */
export function directRead(
  engine: CacheEngine,
  model: string,
  operation: string,
  args: Record<string, unknown> | undefined,
  query: () => PromiseLike<unknown>,
  plan?: Plan,
): Promise<unknown> | undefined {
  // then() runs inside the scope: a Prisma promise starts its request there, so the hook sees the mark.
  const run = () => passthrough.run(true, () => Promise.resolve(query()).then((value) => value))
  let reading: Promise<ReadOutcome>
  if (plan) {
    reading = readPlanned(engine, { ...plan, request: { ...plan.request, query: run } })
  } else {
    const policy = readPolicy(engine.options, model, args?.cache)
    if (!policy) return undefined
    let scope: string | undefined
    try {
      scope = engine.options.scope?.()
    } catch {
      return undefined // the hook reports it and answers from the database
    }
    const queryArgs = args && 'cache' in args ? withoutCache(args) : args
    reading = readThrough(engine, { model, operation, args: queryArgs, policy, scope, query: run })
  }
  return reading.then((outcome) => {
    recordInfo(outcome.info)
    return outcome.value
  })
}
