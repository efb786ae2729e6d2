/**
 * A driver adapter factory that runs every statement Prisma sends — on a connection or
 * inside a transaction — through `around`, below every extension. The test database counts and
 * gates statements with it, child processes count and hold them, the benchmarks count them.
 */
import { PrismaPg } from '@prisma/adapter-pg'
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils'

/** Called for each statement with the function that executes it; resolves what it resolves. */
export type AroundStatement = <T>(query: SqlQuery, execute: () => Promise<T>) => Promise<T>

/** A PrismaPg factory for `connectionString` (pool options passed on) whose statements go through `around`. */
export function countingAdapterFactory(connectionString: string, around: AroundStatement, pool: { max?: number } = {}): SqlDriverAdapterFactory {
  return wrapAdapterFactory(new PrismaPg({ connectionString, ...pool }), around)
}

/** Any driver adapter factory (PostgreSQL, MariaDB, SQLite) whose statements go through `around`. */
export function wrapAdapterFactory(inner: SqlDriverAdapterFactory, around: AroundStatement): SqlDriverAdapterFactory {
  const wrap = <A extends SqlDriverAdapter | Transaction>(target: A): A =>
    new Proxy(target, {
      get(object, prop) {
        const value = Reflect.get(object, prop, object) as unknown
        if (typeof value !== 'function') return value
        if (prop === 'queryRaw' || prop === 'executeRaw') {
          return (query: SqlQuery) => around(query, () => (value as (q: SqlQuery) => Promise<unknown>).call(object, query))
        }
        if (prop === 'startTransaction') {
          return async (...args: unknown[]) => wrap(await (value as (...a: unknown[]) => Promise<Transaction>).apply(object, args))
        }
        return (value as (...a: unknown[]) => unknown).bind(object)
      },
    })
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => wrap(await inner.connect()),
  }
}
