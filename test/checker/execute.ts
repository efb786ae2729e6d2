/**
 * Runs generated operations on Prisma clients. Reads on a cached client carry
 * `cache: { ttl: 60 }` and report how the cache answered; the same read on the oracle (a raw
 * client) has no cache option. A rejected write is an outcome, not a failure: it changed nothing.
 */
import { outcomeDifference } from './compare.js'
import type { Mutation, RawSpec, ReadSpec, TxStep, WriteSpec } from './operations.js'
import { sql, unsafeSql } from '../helpers/provider.js'

/** Any Prisma client (cached or raw), addressed by delegate name. */
export type AnyClient = Record<string, any>

/** What a read produced: a value, or an error (by Prisma code or class name). */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: string }

/** A cached read's outcome and the cache status (`thrown` when the read rejected). */
export type CachedOutcome = Outcome & { status: string }

/** The cache option of a cached read. */
export function cacheOption(read: ReadSpec): { ttl: number; swr?: number } {
  return read.swr ? { ttl: 0.03, swr: 60 } : { ttl: 60 }
}

class Rollback extends Error {
  readonly code = 'ROLLBACK'
}

/** Prisma's error code, else the error's class name. */
export function errorCode(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | null
  if (e && typeof e.code === 'string') return e.code
  return e && typeof e.name === 'string' ? e.name : String(error)
}

const copy = <T>(value: T): T => structuredClone(value)

/** The read through the cache. */
export async function cachedRead(client: AnyClient, read: ReadSpec): Promise<CachedOutcome> {
  try {
    const { data, info } = await client[read.model][read.op]({ ...copy(read.args), cache: cacheOption(read) }).withCacheInfo()
    return { ok: true, value: data, status: info.status as string }
  } catch (error) {
    return { ok: false, error: errorCode(error), status: 'thrown' }
  }
}

/** The same read on a raw client: what the database says now. */
export async function oracleRead(oracle: AnyClient, read: ReadSpec): Promise<Outcome> {
  try {
    return { ok: true, value: await oracle[read.model][read.op](copy(read.args)) }
  } catch (error) {
    return { ok: false, error: errorCode(error) }
  }
}

/** What a mutation did: resolved or rejected, and where a cached read inside a transaction differed from an uncached one. */
export interface MutationOutcome {
  ok: boolean
  error?: string
  /** Cached reads made inside an interactive transaction (each compared with an uncached one). */
  txReads: number
  txReadDifferences: { read: ReadSpec; detail: string }[]
}

function write(client: AnyClient, spec: WriteSpec): Promise<unknown> {
  return client[spec.model][spec.op](copy(spec.args))
}

function raw(client: AnyClient, spec: RawSpec): Promise<unknown> {
  const { id, name } = spec
  switch (spec.statement) {
    case 'bumpStock':
      return client.$executeRaw(sql`UPDATE "Product" SET "stock" = "stock" + 1 WHERE "id" = ${id}`)
    case 'renameUser':
      return client.$executeRaw(sql`UPDATE "User" SET "name" = ${name} WHERE "id" = ${id}`)
    case 'unlinkTag':
      return client.$executeRaw(sql`DELETE FROM "_PostToTag" WHERE "B" = ${id}`)
    case 'renameCategoryUnsafe':
      return client.$executeRawUnsafe(unsafeSql('UPDATE "Category" SET "name" = $1 WHERE "id" = $2'), name, id)
  }
}

/**
 * Inside the transaction a read with `cache` must bypass the cache: it sees the transaction's own
 * uncommitted writes, so it must equal the same read without `cache` made right after it, and
 * `withCacheInfo()` (where the transaction client has it) must report `bypass`.
 * With reads, the transaction is REPEATABLE READ: under READ COMMITTED two statements of one
 * transaction may see different commits of concurrent writes, and the comparison would mean nothing.
 */
async function interactive(client: AnyClient, steps: TxStep[], rollback: boolean, outcome: Pick<MutationOutcome, 'txReads' | 'txReadDifferences'>): Promise<void> {
  await client.$transaction(async (tx: AnyClient) => {
    for (const step of steps) {
      if ('write' in step) {
        await write(tx, step.write)
        continue
      }
      const { model, op, args } = step.read
      const promise = tx[model][op]({ ...copy(args), cache: cacheOption(step.read) })
      let status = 'bypass'
      const cached = typeof promise.withCacheInfo === 'function'
        ? await settle(promise.withCacheInfo().then((r: { data: unknown; info: { status: string } }) => ((status = r.info.status), r.data)))
        : await settle(promise)
      const direct = await settle(tx[model][op](copy(args)))
      const detail = outcomeDifference(cached, direct) ?? (status === 'bypass' ? undefined : `withCacheInfo() reported '${status}', not 'bypass'`)
      outcome.txReads++
      if (detail) outcome.txReadDifferences.push({ read: step.read, detail })
    }
    if (rollback) throw new Rollback('rolled back on purpose')
  }, steps.some((step) => 'read' in step) ? { isolationLevel: 'RepeatableRead' } : undefined)
}

async function settle(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await promise }
  } catch (error) {
    return { ok: false, error: errorCode(error) }
  }
}

/** Runs a mutation; never rejects. */
export async function runMutation(client: AnyClient, mutation: Mutation): Promise<MutationOutcome> {
  const tx = { txReads: 0, txReadDifferences: [] as MutationOutcome['txReadDifferences'] }
  try {
    switch (mutation.kind) {
      case 'write':
        await write(client, mutation.write)
        break
      case 'raw':
        await raw(client, mutation.raw)
        break
      case 'batch':
        await client.$transaction(mutation.writes.map((w) => write(client, w)))
        break
      case 'interactive':
        await interactive(client, mutation.steps, mutation.rollback, tx)
        break
    }
    return { ok: true, ...tx }
  } catch (error) {
    return { ok: false, error: errorCode(error), ...tx }
  }
}
