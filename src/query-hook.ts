/**
 * The Prisma query hook: sorts every operation into a cached read, a write that invalidates, raw
 * SQL, or something to pass through, and strips the `cache` option before Prisma sees the args.
 */
import { rawWriteInvalidations } from './dependencies/raw-tables.js'
import { readDependencies } from './dependencies/read-dependencies.js'
import { isPassthrough, withoutCache } from './direct-read.js'
import { everything, writeInvalidations } from './dependencies/write-invalidations.js'
import type { CacheEngine } from './engine.js'
import { CacheConfigError } from './errors.js'
import { recordInfo } from './info.js'
import { readThrough } from './read-path.js'
import { readPolicy } from './read-policy.js'
import { currentTracker, type DependencyTracker } from './tracking.js'
import { currentCollector, transactionOf } from './transactions.js'
import { captureVersions } from './versions.js'
import { READ_OPERATIONS, WRITE_OPERATIONS } from './types.js'

type Args = Record<string, unknown> | undefined

/** The parameter Prisma passes to a `$allOperations` hook. */
export interface HookParams {
  model?: string
  operation: string
  args: Args
  query: (args: Args) => Promise<unknown>
}

const READS = new Set<string>(READ_OPERATIONS)
const WRITES = new Set<string>(WRITE_OPERATIONS)
const RAW_WRITES = new Set(['$executeRaw', '$executeRawUnsafe'])
const RAW_QUERIES = new Set(['$queryRaw', '$queryRawUnsafe'])
/** Statements that only read: a `$queryRaw` of anything else (`UPDATE ... RETURNING`, `WITH`, a function call) may write. */
const READ_ONLY_SQL = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*(?:SELECT|SHOW|VALUES|TABLE)\b/i

/** `$executeRaw*`, and a `$queryRaw*` whose statement is not a plain read, change data as far as we can tell. */
function isRawWrite(operation: string, args: unknown): boolean {
  if (RAW_WRITES.has(operation)) return true
  if (!RAW_QUERIES.has(operation)) return false
  const text = rawSqlText(args)
  return text === undefined || !READ_ONLY_SQL.test(text)
}

/** Builds the `$allOperations` hook of one extension instance. */
export function createQueryHook(engine: CacheEngine): (params: HookParams) => Promise<unknown> {
  return (params) => {
    const { model, operation } = params
    if (model === undefined) return isRawWrite(operation, params.args) ? rawWrite(engine, params) : params.query(params.args)
    if (READS.has(operation)) return read(engine, params, model)
    if (WRITES.has(operation)) return write(engine, params, model)
    return params.query(params.args)
  }
}

async function read(engine: CacheEngine, params: HookParams, model: string): Promise<unknown> {
  const { args, operation, query } = params
  const hasCacheOption = args !== undefined && args !== null && 'cache' in args
  const cache = hasCacheOption ? args.cache : undefined
  const queryArgs = hasCacheOption ? withoutCache(args) : args
  if (isPassthrough()) return query(queryArgs) // a typed read method already consulted the cache
  const policy = readPolicy(engine.options, model, cache)
  if (!policy || transactionOf(params)) {
    engine.events.counts.bypasses++
    recordInfo({ status: 'bypass' })
    const tracker = currentTracker()
    if (tracker) await recordUncachedRead(engine, tracker, model, operation, queryArgs, Boolean(transactionOf(params)))
    return query(queryArgs)
  }
  let scope: string | undefined
  try {
    scope = engine.options.scope?.()
  } catch (error) {
    engine.report(error, { model, operation })
    recordInfo({ status: 'error' })
    return query(queryArgs)
  }
  const outcome = await readThrough(engine, { model, operation, args: queryArgs, policy, scope, query })
  recordInfo(outcome.info)
  return outcome.value
}

async function write(engine: CacheEngine, params: HookParams, model: string): Promise<unknown> {
  const { args, operation } = params
  if (args && 'cache' in args) {
    throw new CacheConfigError('cache', `no cache option on ${model}.${operation}(): only reads are cached`, args.cache)
  }
  const result = await params.query(args)
  await afterWrite(engine, params, writeInvalidations(engine.graph, model, operation, args, result), model)
  return result
}

async function rawWrite(engine: CacheEngine, params: HookParams): Promise<unknown> {
  const result = await params.query(params.args)
  const { raw } = engine.options
  if (raw === 'ignore') return result
  const text = raw === 'by-table' ? rawSqlText(params.args) : undefined
  const tags = (text !== undefined && rawWriteInvalidations(engine.graph, text)) || everything(engine.graph)
  await afterWrite(engine, params, tags, undefined)
  return result
}

/** The statement of `$executeRaw` (a template: `{ strings, values }`) or `$executeRawUnsafe` (`[sql, ...values]`). */
function rawSqlText(args: unknown): string | undefined {
  if (Array.isArray(args)) return typeof args[0] === 'string' ? args[0] : undefined
  const strings = (args as { strings?: unknown } | undefined)?.strings
  if (Array.isArray(strings) && strings.every((s) => typeof s === 'string')) return strings.map((s, i) => (i === 0 ? s : `$${i}${s}`)).join('')
  return undefined
}

/**
 * An uncached read inside `getOrSet`: capture its dependency versions before it runs, so the
 * composite entry is invalidated by later writes. A transactional read cannot be vouched for.
 */
async function recordUncachedRead(engine: CacheEngine, tracker: DependencyTracker, model: string, operation: string, args: Args, inTransaction: boolean): Promise<void> {
  if (inTransaction) {
    tracker.incomplete = true
    return
  }
  const { tags } = readDependencies(engine.graph, model, operation, args)
  try {
    const versions = await captureVersions(engine.guard, engine.options.namespace, tags, tags.map(() => undefined))
    tracker.record(tags.map((tag, i) => [tag, versions[i]] as const))
  } catch (error) {
    engine.report(error, { model, operation })
    tracker.incomplete = true
  }
}

/** Invalidates now, or — inside a transaction — once it commits. */
async function afterWrite(engine: CacheEngine, params: HookParams, tags: string[], model: string | undefined): Promise<void> {
  if (transactionOf(params)) {
    const collector = currentCollector()
    if (collector) {
      for (const tag of tags) collector.tags.add(tag)
      if (model) collector.models.add(model)
      return
    }
    // A transaction we did not see start (our $transaction was bypassed): invalidating now is
    // the best we can do; the entry keeps no data from before the commit beyond this window.
  }
  await engine.invalidate(tags, { ...(model !== undefined && { model }), operation: params.operation })
}


