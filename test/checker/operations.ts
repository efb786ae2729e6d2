/**
 * The operations the checker generates, as plain data: printable in a counterexample and run as
 * `client[model][operation](args)`. A client is named by index (taken modulo the world's clients).
 */

/** Prisma delegate names of the shop schema. */
export type ModelName = 'user' | 'profile' | 'category' | 'product' | 'order' | 'orderItem' | 'post' | 'tag'

export const READ_OPERATIONS = ['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy'] as const
export type ReadOperation = (typeof READ_OPERATIONS)[number]

export const WRITE_OPERATIONS = [
  'create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany',
] as const
export type WriteOperation = (typeof WRITE_OPERATIONS)[number]

export type Args = Record<string, unknown>

/**
 * A cached read. The runner adds `cache: { ttl: 60 }`, or with `swr`, `cache: { ttl: 0.03, swr: 60 }`:
 * entries go stale within 30 ms and are then served stale while one background refresh runs
 * (guarantee 9: only while no dependency was invalidated, so still equal to the database).
 */
export interface ReadSpec {
  model: ModelName
  op: ReadOperation
  args: Args
  swr?: true
}

/** "The n-th most recent read of this run" (resolved at run time against the reads executed so far). */
export interface Replay {
  replay: number
}

export type ReadRef = ReadSpec | Replay

/** One Prisma write. */
export interface WriteSpec {
  model: ModelName
  op: WriteOperation
  args: Args
}

/** A raw statement through `$executeRaw` (tagged template) or `$executeRawUnsafe`. */
export interface RawSpec {
  statement: 'bumpStock' | 'renameUser' | 'unlinkTag' | 'renameCategoryUnsafe'
  id: number
  name?: string
}

/** A step of an interactive transaction: a write, or a cached read that must bypass the cache. */
export type TxStep = { write: WriteSpec } | { read: ReadSpec }

/** Anything that may change the database. */
export type Mutation =
  | { kind: 'write'; write: WriteSpec }
  | { kind: 'raw'; raw: RawSpec }
  | { kind: 'interactive'; steps: TxStep[]; rollback: boolean }
  | { kind: 'batch'; writes: WriteSpec[] }

/** An operation of a round, on a client, started after `delayMs`. */
export type Scheduled =
  | { kind: 'read'; client: number; delayMs: number; read: ReadRef }
  | { kind: 'mutation'; client: number; delayMs: number; mutation: Mutation }

/** A read of a race round; `afterWrite` reads start once the round's mutation resolved. */
export interface RaceRead {
  client: number
  delayMs: number
  afterWrite: boolean
  read: ReadRef
}

/** A cached read run once the round settled, compared with the database. */
export interface VerifyRead {
  client: number
  read: ReadRef
}

/**
 * A round. `chaos`: reads and mutations interleaved at random. `race`: one mutation with reads
 * around it, each checked against the state before or after it. Both end with verification reads.
 */
export type Round =
  | { kind: 'chaos'; ops: Scheduled[]; verify: VerifyRead[] }
  | { kind: 'race'; mutation: { client: number; delayMs: number; mutation: Mutation }; reads: RaceRead[]; verify: VerifyRead[] }

/** One fast-check run: the database and the cache are reset, then the rounds run in order. */
export interface RunSpec {
  rounds: Round[]
}

/** True for a replay reference. */
export function isReplay(read: ReadRef): read is Replay {
  return 'replay' in read
}
