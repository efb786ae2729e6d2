/**
 * What a write invalidates, and when: a model write invalidates what the schema says it can change
 * (write-invalidations.ts), a raw write follows the `raw` option, and inside a transaction the
 * tags are collected and invalidated only once it commits.
 */
import { rawWriteInvalidations } from '../dependencies/raw-tables.js'
import { scopeWriteTags, scopingNow } from '../dependencies/scopes.js'
import { everything, writeInvalidations } from '../dependencies/write-invalidations.js'
import type { CacheEngine } from '../engine.js'
import { CacheConfigError } from '../errors.js'
import { currentCollector } from '../prisma/transactions.js'
import { rawSqlText } from '../prisma/raw-sql.js'

/** A write as the query hook hands it over. */
export interface WriteCall {
  operation: string
  args: Record<string, unknown> | undefined
  /** Runs the write on the database. */
  run: () => Promise<unknown>
  /** The transaction the write belongs to, if any. */
  transaction: unknown
}

/** Runs a model write, then invalidates what it changed. `cache` on a write is a config error. */
export async function modelWrite(engine: CacheEngine, model: string, call: WriteCall): Promise<unknown> {
  const { args, operation } = call
  if (args && 'cache' in args) {
    throw new CacheConfigError('cache', `no cache option on ${model}.${operation}(): only reads are cached`, args.cache)
  }
  const result = await call.run()
  const tags = writeInvalidations(engine.graph, model, operation, args, result)
  await afterWrite(engine, call, scopeWriteTags(tags, model, scopingNow(engine.options.scopedModels, engine.options.scope)), model)
  return result
}

/** Runs a raw write, then invalidates as the `raw` option says. */
export async function rawWrite(engine: CacheEngine, call: WriteCall): Promise<unknown> {
  const result = await call.run()
  const { raw } = engine.options
  if (raw === 'ignore') return result
  const text = raw === 'by-table' ? rawSqlText(call.args) : undefined
  const tags = (text !== undefined && rawWriteInvalidations(engine.graph, text)) || everything(engine.graph)
  await afterWrite(engine, call, tags, undefined)
  return result
}

/** Invalidates now, or — inside a transaction — once it commits. */
async function afterWrite(engine: CacheEngine, call: WriteCall, tags: string[], model: string | undefined): Promise<void> {
  if (call.transaction) {
    const collector = currentCollector()
    if (collector) {
      for (const tag of tags) collector.tags.add(tag)
      if (model) collector.models.add(model)
      return
    }
    // A transaction we did not see start (our $transaction was bypassed): invalidating now, before
    // it commits, is the best we can do. A read between now and the commit still sees the rows
    // from before it and may store them under the new versions: such an entry stays stale until
    // its TTL or the next write it depends on.
  }
  await engine.invalidate(tags, { ...(model !== undefined && { model }), operation: call.operation })
}
