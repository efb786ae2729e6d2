/**
 * The Prisma query hook: sorts every operation into a read, a write, a raw write, or something to
 * pass through. Reads that the typed read methods already served arrive marked as passthrough and
 * only run; any other read is started and served here, through the same pipeline, except a fluent
 * relation call, which runs uncached.
 */
import type { CacheEngine } from '../engine.js'
import { readThrough, readUncached } from '../read/pipeline.js'
import { startRead, withoutCache } from '../read/start.js'
import { READ_OPERATIONS, WRITE_OPERATIONS } from '../types.js'
import { modelWrite, rawWrite, type WriteCall } from '../write/writes.js'
import { recordInfo } from './info.js'
import { isPassthrough } from './passthrough.js'
import { isRawWrite } from './raw-sql.js'
import { transactionOf } from './transactions.js'

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

/** Builds the `$allOperations` hook of one extension instance. */
export function createQueryHook(engine: CacheEngine): (params: HookParams) => Promise<unknown> {
  return (params) => {
    const { model, operation } = params
    if (model === undefined) return isRawWrite(operation, params.args) ? rawWrite(engine, writeCall(params)) : params.query(params.args)
    if (READS.has(operation)) return read(engine, params, model)
    if (WRITES.has(operation)) return modelWrite(engine, model, writeCall(params))
    return params.query(params.args)
  }
}

async function read(engine: CacheEngine, params: HookParams, model: string): Promise<unknown> {
  const { args, operation, query } = params
  if (isPassthrough(params)) return query(withoutCache(args))
  const inTransaction = transactionOf(params) !== undefined
  if (isFluent(params)) {
    const fluent = { model, operation, args: withoutCache(args) }
    return (await readUncached(engine, 'bypass', fluent, () => query(fluent.args), inTransaction)).value
  }
  const started = startRead(engine, model, operation, args)
  if (started.kind !== 'cached' || inTransaction) {
    const read = started.kind === 'cached' ? { ...started.plan } : started
    const outcome = await readUncached(engine, started.kind === 'error' ? 'error' : 'bypass', read, () => query(read.args), inTransaction)
    recordInfo(outcome.info)
    return outcome.value
  }
  const { plan } = started
  const outcome = await readThrough(engine, plan, () => query(plan.args))
  recordInfo(outcome.info)
  return outcome.value
}

/**
 * True for a fluent relation call (`prisma.user.findUnique({ where }).posts()`). Prisma sends it
 * as the parent read with the relation selected (`select: { posts: ... }`) and unpacks the
 * relation from the result below every query hook, by `__internalParams.dataPath` (Prisma 7,
 * undocumented; checked by test/integration/fluent-api.test.ts). Its result is not the parent
 * read's: cached under that read's key, it would answer a later ordinary read with the wrong shape.
 */
function isFluent(params: HookParams): boolean {
  const path = (params as { __internalParams?: { dataPath?: unknown } }).__internalParams?.dataPath
  return Array.isArray(path) && path.length > 0
}

function writeCall(params: HookParams): WriteCall {
  return { operation: params.operation, args: params.args, run: () => params.query(params.args), transaction: transactionOf(params) }
}
