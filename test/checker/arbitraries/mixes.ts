/**
 * Runs of rounds, for each operation mix:
 * - `full`: every read and write of the schema, transactions that commit or roll back, raw SQL;
 *   chaos rounds (reads and mutations interleaved at random) and race rounds (one mutation with
 *   reads before, during and right after it).
 * - `readHeavy`: 90% `findUnique` by id over many users, 10% updates by id (precision comparison).
 */
import fc from 'fast-check'
import { record } from './helpers.js'
import { idRanges, MANY_USERS, SMALL, type DatasetSizes } from '../dataset.js'
import type { Mutation, RawSpec, ReadSpec, Round, RunSpec, Scheduled, VerifyRead, WriteSpec } from '../operations.js'
import { readArbitrary, readRefArbitrary } from './reads.js'
import { values, type Values } from './values.js'
import { peopleWrites } from './writes-people.js'
import { shopWrites } from './writes-shop.js'

/** An operation mix: its dataset, its runs, and the fewest operations a run executes. */
export interface Mix {
  name: MixName
  sizes: DatasetSizes
  run: fc.Arbitrary<RunSpec>
  minOpsPerRun: number
}

export type MixName = 'full' | 'readHeavy'

const CLIENT = fc.integer({ min: 0, max: 11 })
const DELAY = fc.constantFrom(0, 0, 0, 1, 2, 4)

function writeArbitrary(v: Values): fc.Arbitrary<WriteSpec> {
  const byModel = { ...peopleWrites(v), ...shopWrites(v) }
  return fc.oneof(...Object.values(byModel))
}

function rawArbitrary(v: Values): fc.Arbitrary<RawSpec> {
  return fc.oneof(
    v.productId.map((id): RawSpec => ({ statement: 'bumpStock', id })),
    record({ id: v.userId, name: v.name }).map((r): RawSpec => ({ statement: 'renameUser', ...r })),
    v.tagId.map((id): RawSpec => ({ statement: 'unlinkTag', id })),
    record({ id: v.categoryId, name: v.categoryName }).map((r): RawSpec => ({ statement: 'renameCategoryUnsafe', ...r })),
  )
}

function mutationArbitrary(v: Values, reads: fc.Arbitrary<ReadSpec>): fc.Arbitrary<Mutation> {
  const writes = writeArbitrary(v)
  const step = fc.oneof({ weight: 4, arbitrary: writes.map((write) => ({ write })) }, { weight: 1, arbitrary: reads.map((read) => ({ read })) })
  return fc.oneof(
    { weight: 20, arbitrary: writes.map((write): Mutation => ({ kind: 'write', write })) },
    { weight: 2, arbitrary: record({ steps: fc.array(step, { minLength: 1, maxLength: 3 }), rollback: fc.boolean() }).map((t): Mutation => ({ kind: 'interactive', ...t })) },
    { weight: 2, arbitrary: fc.array(writes, { minLength: 1, maxLength: 3 }).map((w): Mutation => ({ kind: 'batch', writes: w })) },
    { weight: 1, arbitrary: rawArbitrary(v).map((raw): Mutation => ({ kind: 'raw', raw })) },
  )
}

function verifyArbitrary(reads: fc.Arbitrary<ReadSpec>, min: number, max: number): fc.Arbitrary<VerifyRead[]> {
  return fc.array(record({ client: CLIENT, read: readRefArbitrary(reads, 7) }), { minLength: min, maxLength: max })
}

function chaosRound(reads: fc.Arbitrary<ReadSpec>, mutations: fc.Arbitrary<Mutation>, readWeight: number, size: [number, number], verify: [number, number]): fc.Arbitrary<Round> {
  const scheduled = fc.oneof(
    { weight: readWeight, arbitrary: record({ client: CLIENT, delayMs: DELAY, read: readRefArbitrary(reads, 5) }).map((r): Scheduled => ({ kind: 'read', ...r })) },
    { weight: 100 - readWeight, arbitrary: record({ client: CLIENT, delayMs: DELAY, mutation: mutations }).map((m): Scheduled => ({ kind: 'mutation', ...m })) },
  )
  return record({ ops: fc.array(scheduled, { minLength: size[0], maxLength: size[1] }), verify: verifyArbitrary(reads, verify[0], verify[1]) })
    .map((r): Round => ({ kind: 'chaos', ...r }))
}

function raceRound(reads: fc.Arbitrary<ReadSpec>, mutations: fc.Arbitrary<Mutation>): fc.Arbitrary<Round> {
  const raceRead = record({ client: CLIENT, delayMs: DELAY, afterWrite: fc.boolean(), read: readRefArbitrary(reads, 5) })
  return record({
    mutation: record({ client: CLIENT, delayMs: DELAY, mutation: mutations }),
    reads: fc.array(raceRead, { minLength: 2, maxLength: 8 }),
    verify: verifyArbitrary(reads, 2, 6),
  }).map((r): Round => ({ kind: 'race', ...r }))
}

function fullMix(): Mix {
  const v = values(idRanges(SMALL))
  const reads = readArbitrary(v)
  const mutations = mutationArbitrary(v, reads)
  const round = fc.oneof({ weight: 3, arbitrary: chaosRound(reads, mutations, 55, [3, 20], [4, 10]) }, { weight: 1, arbitrary: raceRound(reads, mutations) })
  return { name: 'full', sizes: SMALL, run: record({ rounds: fc.array(round, { minLength: 4, maxLength: 14 }) }), minOpsPerRun: 4 * 5 }
}

function readHeavyMix(): Mix {
  const v = values(idRanges(MANY_USERS))
  const byId = v.userId.map((id): ReadSpec => ({ model: 'user', op: 'findUnique', args: { where: { id } } }))
  const lists = fc.constantFrom<ReadSpec>(
    { model: 'user', op: 'findMany', args: { where: { role: 'ADMIN' }, orderBy: { id: 'asc' }, take: 5 } },
    { model: 'user', op: 'count', args: {} },
  )
  const reads = fc.oneof({ weight: 19, arbitrary: byId }, { weight: 1, arbitrary: lists })
  const update = record({ id: v.userId, name: v.name })
    .map(({ id, name }): Mutation => ({ kind: 'write', write: { model: 'user', op: 'update', args: { where: { id }, data: { name } } } }))
  const round = chaosRound(reads, update, 90, [10, 20], [1, 4])
  return { name: 'readHeavy', sizes: MANY_USERS, run: record({ rounds: fc.array(round, { minLength: 10, maxLength: 20 }) }), minOpsPerRun: 10 * 10 }
}

/** The mix named `name`. */
export function mix(name: MixName): Mix {
  return name === 'full' ? fullMix() : readHeavyMix()
}
