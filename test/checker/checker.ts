/**
 * The model-based checker: fast-check generates runs of rounds (see arbitraries/mixes.ts), each
 * run starts from the seeded database and an empty cache, and every run's reads are checked
 * against the database (runner.ts). Runs continue until `ops` operations were executed. On a
 * violation fast-check shrinks the run (within a budget) and the report prints the seed and path
 * that replay it, the shrunk operations, and the violation.
 */
import { randomInt } from 'node:crypto'
import fc from 'fast-check'
import { createTestDatabase } from '../helpers/database.js'
import { Tally } from './accounting.js'
import { mix, type MixName } from './arbitraries/mixes.js'
import { describeRound, describeViolation } from './describe.js'
import type { RunSpec } from './operations.js'
import { executeRun, type Violation } from './runner.js'
import { createWorld, type RedisTarget, type WorldKind } from './world.js'

/** Options of {@link runChecker}. */
export interface CheckerOptions {
  world: WorldKind
  mix: MixName
  /** Operations to execute (at least; the last run completes). */
  ops: number
  /** fast-check seed; random (and reported) when absent. */
  seed?: number
  /** fast-check path of a failing run, to replay only that run. */
  path?: string
  precision?: 'row' | 'model'
  redis?: RedisTarget
  /** Runs fast-check may execute while shrinking a failure. @default 200 */
  shrinkRuns?: number
  /** Seconds shrinking may take. @default 120 */
  shrinkSeconds?: number
  /** With `path`: execute the replayed run up to this many times until it fails (races need retries). @default 1 */
  repeat?: number
  log?: (line: string) => void
}

/** What a checker run found. */
export interface CheckerReport {
  world: WorldKind
  mix: MixName
  precision: 'row' | 'model'
  seed: number
  ops: number
  runs: number
  hitRate: number
  /** Violations found by the first failing run (0 when every run passed). */
  violations: number
  durationMs: number
  /** Counts and statuses, one line. */
  summary: string
  /** The counterexample and violation, replay command included; undefined when nothing failed. */
  failure?: string
  /** The command that replays this check. */
  replay: string
}

class ViolationFound extends Error {
  constructor(readonly violations: Violation[]) {
    super(violations.map(describeViolation).join('\n'))
  }
}

/** A fresh random seed (printed so a failure can be replayed). */
export function randomSeed(): number {
  return randomInt(1, 2 ** 31 - 1)
}

/** Runs the checker on a database and world of its own, then drops them. */
export async function runChecker(options: CheckerOptions): Promise<CheckerReport> {
  const started = performance.now()
  const seed = options.seed ?? randomSeed()
  const precision = options.precision ?? 'row'
  const log = options.log ?? (() => {})
  const replay = `npx tsx scripts/checker.ts --world ${options.world} --mix ${options.mix} --precision ${precision} --ops ${options.ops} --seed ${seed}`
  log(`checker: world ${options.world}, mix ${options.mix}, precision ${precision}, seed ${seed}${options.path ? `, path ${options.path}` : ''}`)
  const m = mix(options.mix)
  const db = await createTestDatabase()
  const world = await createWorld(options.world, db, { precision, ...(options.redis && { redis: options.redis }) })
  const tally = new Tally()
  const shrinking = new Tally()
  const shrinkBudget = options.shrinkRuns ?? 200
  let found: Violation[] | undefined
  let shrinkRuns = 0
  let shrinkDeadline = Infinity
  let runs = 0
  try {
    const property = fc.asyncProperty(m.run, async (run: RunSpec) => {
      if (found === undefined) {
        if (options.path ? runs > 0 : tally.ops >= options.ops) return true
        runs++
        let violations = await executeRun(world, m.sizes, run.rounds, tally)
        for (let i = 1; options.path && i < (options.repeat ?? 1) && violations.length === 0; i++) violations = await executeRun(world, m.sizes, run.rounds, tally)
        if (violations.length > 0) {
          found = violations
          shrinkDeadline = Date.now() + (options.shrinkSeconds ?? 120) * 1000
          log(`violation in run ${runs}; shrinking (up to ${shrinkBudget} runs)`)
          throw new ViolationFound(violations)
        }
        return true
      }
      if (++shrinkRuns > shrinkBudget || Date.now() > shrinkDeadline) return true
      const violations = await executeRun(world, m.sizes, run.rounds, shrinking)
      if (violations.length > 0) throw new ViolationFound(violations)
      return true
    })
    const numRuns = Math.ceil(options.ops / m.minOpsPerRun) + 1
    const details = await fc.check(property, { seed, numRuns, ...(options.path && { path: options.path }) })
    const report: CheckerReport = {
      world: options.world,
      mix: options.mix,
      precision,
      seed,
      ops: tally.ops,
      runs,
      hitRate: tally.hitRate,
      violations: found?.length ?? 0,
      durationMs: performance.now() - started,
      summary: `${tally.summary()} · ${tally.errors()} · cache errors: ${world.cacheErrors.length}`,
      replay,
    }
    if (details.failed) {
      const last = details.errorInstance instanceof ViolationFound ? details.errorInstance.violations[0]!.round : Infinity
      const shrunk = ((details.counterexample?.[0] as RunSpec | undefined)?.rounds ?? []).slice(0, last + 1)
      report.failure = [
        `VIOLATION — seed ${details.seed}, path ${details.counterexamplePath} (shrunk ${details.numShrinks} times)`,
        `replay: ${replay} --path ${details.counterexamplePath}`,
        `   or: CHECKER_SEED=${details.seed} CHECKER_PATH=${details.counterexamplePath} CHECKER_WORLD=${options.world} npx vitest run test/integration/checker.test.ts` + (options.mix === 'full' ? '' : ' (full mix only)'),
        'operations of the shrunk run up to the violation (database reset to the seed and cache emptied before round 0):',
        ...shrunk.flatMap((round, i) => describeRound(round, i)),
        'violation (of the shrunk run):',
        details.errorInstance instanceof ViolationFound ? details.errorInstance.message : String(details.errorInstance),
      ].join('\n')
    }
    log(`checker: ${report.summary}; ${report.violations} violation(s); ${runs} runs in ${(report.durationMs / 1000).toFixed(1)} s`)
    return report
  } finally {
    await world.close()
    await db.drop()
  }
}
