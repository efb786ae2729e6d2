import { readdirSync, readFileSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

/**
 * TEST_PROVIDER (postgres by default, mysql, sqlite) picks the database of the run. Every
 * integration file runs on each provider unless its header says otherwise with a line
 * `// providers: postgres — <why>`; unit and type tests run in the PostgreSQL run only.
 */
const provider = process.env.TEST_PROVIDER ?? 'postgres'

/**
 * Files whose assertions bound latencies (p99 under an outage, lock delays, deadlines). CI runs
 * them in a phase of their own (`TEST_PHASE=quiet`) after the three provider runs, when the two
 * cores are not shared; `TEST_PHASE=main` leaves them out of the parallel runs. Without a phase
 * (`npm test` on its own) every file runs.
 */
const QUIET = ['faults', 'breaker', 'stampede-processes', 'fail-open', 'tiered', 'health-stats', 'store-guard', 'cluster-failover'].map(
  (name) => `test/integration/${name}.test.ts`,
)
const phase = process.env.TEST_PHASE

function notOnThisProvider(): string[] {
  const dir = 'test/integration'
  return readdirSync(dir)
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => {
      const line = /^\/\/ providers: ([\w, ]+)/m.exec(readFileSync(`${dir}/${file}`, 'utf8'))
      return line !== null && !line[1]!.split(',').map((p) => p.trim()).includes(provider)
    })
    .map((file) => `${dir}/${file}`)
}

export default defineConfig({
  test: {
    include: phase === 'quiet' ? QUIET : provider === 'postgres' ? ['test/**/*.test.ts'] : ['test/integration/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...notOnThisProvider(), ...(phase === 'main' ? QUIET : [])],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
  },
})
