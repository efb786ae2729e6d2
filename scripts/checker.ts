/**
 * The model-based checker, standalone:
 *
 *   npx tsx scripts/checker.ts [--ops 100000] [--seed N] [--path P] [--world redis|tiered|memory|mixed|all]
 *                              [--mix full|readHeavy] [--precision row|model] [--shrink-runs 500] [--repeat 1]
 *
 * Creates its own database (like the tests, from prisma/schema.sql on DATABASE_URL's server) and
 * uses REDIS_URL; prints the seed first and the summary at the end; exits 1 on any violation.
 * `--world all` (the default) splits the operations over the redis, tiered and memory worlds.
 * `--path P` replays only the run fast-check printed; `--repeat N` executes it up to N times until it
 * fails again (a race does not always lose the same way).
 */
import { parseArgs } from 'node:util'
import { randomSeed, runChecker, type CheckerReport } from '../test/checker/checker.js'
import type { MixName } from '../test/checker/arbitraries/mixes.js'
import type { WorldKind } from '../test/checker/world.js'

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '20000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    world: { type: 'string', default: 'all' },
    mix: { type: 'string', default: 'full' },
    precision: { type: 'string', default: 'row' },
    'shrink-runs': { type: 'string', default: '500' },
    repeat: { type: 'string', default: '1' },
  },
})

const WORLDS: WorldKind[] = ['redis', 'tiered', 'memory', 'mixed']
const worlds = values.world === 'all' ? (['redis', 'tiered', 'memory'] as WorldKind[]) : [values.world as WorldKind]
if (!worlds.every((w) => WORLDS.includes(w))) throw new Error(`--world must be one of all, ${WORLDS.join(', ')}`)
if (values.mix !== 'full' && values.mix !== 'readHeavy') throw new Error('--mix must be full or readHeavy')
if (values.precision !== 'row' && values.precision !== 'model') throw new Error('--precision must be row or model')

const seed = values.seed === undefined ? randomSeed() : Number(values.seed)
const ops = Number(values.ops)
const log = (line: string) => process.stdout.write(line + '\n')

async function main(): Promise<number> {
  log(`seed ${seed}`)
  const reports: CheckerReport[] = []
  for (const world of worlds) {
    reports.push(await runChecker({
      world,
      mix: values.mix as MixName,
      precision: values.precision as 'row' | 'model',
      ops: Math.ceil(ops / worlds.length),
      seed,
      ...(values.path !== undefined && { path: values.path }),
      shrinkRuns: Number(values['shrink-runs']),
      repeat: Number(values.repeat),
      log,
    }))
  }
  log('')
  for (const r of reports) {
    log(`${r.world}: ${r.summary}`)
    log(`  ${r.violations} violation(s) · hit rate ${(r.hitRate * 100).toFixed(1)}% · ${r.runs} runs · ${(r.durationMs / 1000).toFixed(1)} s · seed ${r.seed}`)
    if (r.failure) log(r.failure)
  }
  const failed = reports.some((r) => r.failure !== undefined)
  log(failed ? `FAILED (seed ${seed})` : `no violations in ${reports.reduce((n, r) => n + r.ops, 0)} operations (seed ${seed})`)
  return failed ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`checker failed to run: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exit(2)
  },
)
