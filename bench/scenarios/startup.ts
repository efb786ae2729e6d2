/**
 * Start-up cost: what creating the extended client and its first query cost in a fresh process
 * (a serverless cold start pays it on every instance), beside raw Prisma. Each figure is the
 * median of several fresh processes, the modes interleaved. Also times the schema parse alone,
 * as it was (`get_dmmf`, on every `$extends`) and as it is (`get_datamodel`, once per schema).
 * `BENCH_STARTUP_BEFORE=<another checkout>/src/index.ts` adds that version's extended client,
 * timed the same way in the same run (the other checkout needs its node_modules, a symlink will do).
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { config } from '../helpers/config.js'
import { quantile } from '../helpers/measure.js'

const run = promisify(execFile)
const child = fileURLToPath(new URL('./startup-child.ts', import.meta.url))
const before = process.env.BENCH_STARTUP_BEFORE
const MODES = ['raw', 'pqc', 'parse-dmmf', 'parse-datamodel', ...(before ? ['pqc-before'] : [])]

/** Medians in ms over `runs` fresh processes per mode. */
export interface StartupResult {
  runs: number
  raw: { createMs: number; firstQueryMs: number }
  pqc: { createMs: number; extendsMs: number; firstQueryMs: number; secondExtendsMs: number }
  parse: { dmmfMs: number; datamodelMs: number; loadMs: number }
  /** The same as `pqc` for the checkout named by BENCH_STARTUP_BEFORE. */
  before?: { entry: string; extendsMs: number; firstQueryMs: number; secondExtendsMs: number }
}

/** Runs the start-up processes against the bench database. */
export async function startupCost(databaseUrl: string): Promise<StartupResult> {
  const runs = config.quick ? 2 : 7
  const samples = new Map<string, Record<string, number>[]>(MODES.map((m) => [m, []]))
  for (let i = 0; i < runs; i++) {
    for (const mode of MODES) {
      const env = { ...process.env, DATABASE_URL: databaseUrl, ...(mode === 'pqc-before' && { PQC_ENTRY: before }) }
      const { stdout } = await run(process.execPath, ['--import', 'tsx', child, mode.replace('-before', '')], { env })
      samples.get(mode)!.push(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>)
    }
  }
  const median = (mode: string, key: string) => quantile(samples.get(mode)!.map((s) => s[key]!).sort((a, b) => a - b), 0.5)
  return {
    runs,
    raw: { createMs: median('raw', 'createMs'), firstQueryMs: median('raw', 'firstQueryMs') },
    pqc: {
      createMs: median('pqc', 'createMs'),
      extendsMs: median('pqc', 'extendsMs'),
      firstQueryMs: median('pqc', 'firstQueryMs'),
      secondExtendsMs: median('pqc', 'secondExtendsMs'),
    },
    parse: { dmmfMs: median('parse-dmmf', 'parseMs'), datamodelMs: median('parse-datamodel', 'parseMs'), loadMs: median('parse-datamodel', 'loadMs') },
    ...(before && {
      before: { entry: before, extendsMs: median('pqc-before', 'extendsMs'), firstQueryMs: median('pqc-before', 'firstQueryMs'), secondExtendsMs: median('pqc-before', 'secondExtendsMs') },
    }),
  }
}
