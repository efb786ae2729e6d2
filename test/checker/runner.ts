/**
 * Runs one generated run on a world and checks it against the database. The rule: a read that
 * started after a write resolved must reflect it. Checked three ways:
 * - verify: once a round settled (every write resolved, every bus delivered), cached reads are
 *   compared with the same read on the raw oracle; no write is in flight, so both see one state;
 * - race: a round with one mutation; reads started after it resolved must equal the state after
 *   it, reads concurrent with it must equal the state before or after (single-statement reads
 *   only: Prisma loads relations with extra statements, which may straddle a write on their own);
 * - tx-bypass: a cached read inside an interactive transaction must equal the same read without
 *   `cache` right after it (it sees the transaction's own writes: it must not come from the cache).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Tally } from './accounting.js'
import { outcomeDifference } from './compare.js'
import { resetDatabase, type DatasetSizes } from './dataset.js'
import { cachedRead, oracleRead, runMutation, type AnyClient, type CachedOutcome, type Outcome } from './execute.js'
import { isReplay, type Mutation, type ReadRef, type ReadSpec, type Round, type VerifyRead } from './operations.js'
import type { World } from './world.js'

/** A read that returned something the database had replaced (or a transaction read served from the cache). */
export interface Violation {
  round: number
  check: 'verify' | 'read-after-write' | 'read-during-write' | 'tx-bypass'
  client: number
  read: ReadSpec
  status: string
  detail: string
  /** The mutations of the round, for the report. */
  mutations: Mutation[]
  /** Cache-side errors reported while the run was going (a failed invalidation explains cross-client staleness). */
  cacheErrors: string[]
}

interface Context {
  world: World
  tally: Tally
  pool: ReadSpec[]
  violations: Violation[]
  round: number
  mutations: Mutation[]
  errorsBefore: number
}

/** Resets the database and the cache, runs the rounds, and returns the violations (stops after the first round with any). */
export async function executeRun(world: World, sizes: DatasetSizes, rounds: Round[], tally: Tally): Promise<Violation[]> {
  await resetDatabase(world.db, sizes)
  await world.clearCache()
  await world.barrier()
  const context: Context = { world, tally, pool: [], violations: [], round: 0, mutations: [], errorsBefore: world.cacheErrors.length }
  for (const [index, round] of rounds.entries()) {
    context.round = index
    context.mutations = round.kind === 'chaos' ? round.ops.flatMap((op) => (op.kind === 'mutation' ? [op.mutation] : [])) : [round.mutation.mutation]
    if (round.kind === 'chaos') await chaos(context, round)
    else await race(context, round)
    await world.barrier()
    await verify(context, round.verify)
    if (context.violations.length > 0) break
  }
  return context.violations
}

/** The read a reference names: itself (remembered for replays), or one of the run's recent reads. */
function resolve(context: Context, ref: ReadRef): ReadSpec | undefined {
  if (!isReplay(ref)) {
    context.pool.push(ref)
    return ref
  }
  const { pool } = context
  return pool.length === 0 ? undefined : pool[pool.length - 1 - (ref.replay % pool.length)]
}

const clientOf = (context: Context, index: number): AnyClient => context.world.clients[index % context.world.clients.length]!

async function read(context: Context, client: number, spec: ReadSpec): Promise<CachedOutcome> {
  const outcome = await cachedRead(clientOf(context, client), spec)
  context.tally.read(outcome.status, outcome.ok ? undefined : outcome.error)
  return outcome
}

async function mutate(context: Context, client: number, mutation: Mutation): Promise<void> {
  const outcome = await runMutation(clientOf(context, client), mutation)
  context.tally.mutation(outcome.ok, outcome.error)
  if (outcome.txReads > 0) context.tally.checked('tx-bypass')
  for (const { read, detail } of outcome.txReadDifferences) {
    violate(context, 'tx-bypass', client, read, 'in transaction', `with cache vs without, inside the transaction: ${detail}`)
  }
}

function violate(context: Context, check: Violation['check'], client: number, spec: ReadSpec, status: string, detail: string): void {
  const cacheErrors = context.world.cacheErrors.slice(context.errorsBefore)
  context.violations.push({ round: context.round, check, client: client % context.world.clients.length, read: spec, status, detail, mutations: context.mutations, cacheErrors })
}

async function chaos(context: Context, round: Extract<Round, { kind: 'chaos' }>): Promise<void> {
  const ops = round.ops.map((op) => (op.kind === 'read' ? { ...op, spec: resolve(context, op.read) } : op))
  await Promise.all(ops.map(async (op) => {
    if (op.delayMs > 0) await sleep(op.delayMs)
    if (op.kind === 'mutation') await mutate(context, op.client, op.mutation)
    else if (op.spec) await read(context, op.client, op.spec)
  }))
}

/** Reads Prisma answers with one SQL statement (no relation loading). */
function singleStatement(spec: ReadSpec): boolean {
  return spec.args.include === undefined && (spec.args.select === undefined || spec.op === 'count')
}

async function race(context: Context, round: Extract<Round, { kind: 'race' }>): Promise<void> {
  const { world } = context
  const reads = round.reads.map((r) => ({ ...r, spec: resolve(context, r.read) }))
  const compared = (r: (typeof reads)[number]) => r.spec !== undefined && (r.afterWrite || singleStatement(r.spec))
  const before = await Promise.all(reads.map((r) => (compared(r) && !r.afterWrite ? oracleRead(world.oracle, r.spec!) : undefined)))
  const mutation = (async () => {
    if (round.mutation.delayMs > 0) await sleep(round.mutation.delayMs)
    await mutate(context, round.mutation.client, round.mutation.mutation)
  })()
  const outcomes = await Promise.all(reads.map(async (r) => {
    if (!r.spec) return undefined
    if (r.afterWrite) {
      await mutation
      await world.barrier()
    } else if (r.delayMs > 0) {
      await sleep(r.delayMs)
    }
    return read(context, r.client, r.spec)
  }))
  await mutation
  const after = await Promise.all(reads.map((r) => (compared(r) ? oracleRead(world.oracle, r.spec!) : undefined)))
  reads.forEach((r, i) => {
    const outcome = outcomes[i]
    if (!outcome || !after[i]) return
    const vsAfter = outcomeDifference(outcome, after[i] as Outcome)
    context.tally.checked(r.afterWrite ? 'read-after-write' : 'read-during-write')
    if (r.afterWrite) {
      if (vsAfter) violate(context, 'read-after-write', r.client, r.spec!, outcome.status, vsAfter)
      return
    }
    const vsBefore = outcomeDifference(outcome, before[i] as Outcome)
    if (vsAfter && vsBefore) violate(context, 'read-during-write', r.client, r.spec!, outcome.status, `vs before: ${vsBefore}; vs after: ${vsAfter}`)
  })
}

async function verify(context: Context, reads: VerifyRead[]): Promise<void> {
  const resolved = reads.map((r) => ({ client: r.client, spec: resolve(context, r.read) }))
  await Promise.all(resolved.map(async ({ client, spec }) => {
    if (!spec) return
    const outcome = await read(context, client, spec)
    const expected = await oracleRead(context.world.oracle, spec)
    const detail = outcomeDifference(outcome, expected)
    context.tally.checked('verify')
    if (detail) violate(context, 'verify', client, spec, outcome.status, detail)
  }))
}
