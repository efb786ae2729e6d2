// providers: postgres — runs the benchmark harness, which is PostgreSQL's
/**
 * The benchmark runs end to end: `BENCH_QUICK=1 npx tsx bench/index.ts` with a temporary results
 * directory prints the Markdown table and writes latest.json, latest.md and hit-latency.svg with
 * every contestant. No timing is asserted: this only proves the bench still works.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const resultsDir = mkdtempSync(join(tmpdir(), 'pqc-bench-smoke-'))
afterAll(() => rmSync(resultsDir, { recursive: true, force: true }))

const CONTESTANTS = [
  'raw Prisma',
  'floor A (Map hook)',
  'floor B (Redis GET hook)',
  'prisma-query-cache (memory)',
  "prisma-query-cache (memory, results: 'frozen')",
  'prisma-query-cache (redis)',
  'prisma-query-cache (tiered)',
  "prisma-query-cache (tiered, results: 'frozen')",
  'prisma-extension-redis',
  'prisma-extension-cache-manager',
  'prisma-smart-cache',
  'prisma-redis-middleware',
]

function runQuickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'bench/index.ts'], {
      cwd: root,
      env: { ...process.env, BENCH_QUICK: '1', BENCH_RESULTS_DIR: resultsDir, BENCH_DB_NAME: 'pqc_bench_smoke', BENCH_REDIS_DB: '13' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('bench (BENCH_QUICK=1)', () => {
  it('prints the table and writes latest.json, latest.md and the SVG with every contestant', async () => {
    const { code, stdout, stderr } = await runQuickBench()
    expect(code, stderr.slice(-2000)).toBe(0)
    expect(stdout).toContain('## Summary')
    expect(stdout).toContain('## Correctness probes')
    for (const file of ['latest.json', 'latest.md', 'hit-latency.svg']) expect(existsSync(join(resultsDir, file)), file).toBe(true)
    const json = JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')) as {
      contestants: { id: string; label: string }[]
      workloads: { id: string; results: Record<string, unknown> }[]
      probes: Record<string, unknown>
      startup?: { error?: string; pqc?: { extendsMs: number; secondExtendsMs: number } }
    }
    expect(json.startup?.error).toBeUndefined()
    expect(json.startup?.pqc?.extendsMs).toBeGreaterThan(0)
    expect(stdout).toContain('## Start-up')
    expect(json.contestants.map((c) => c.label)).toEqual(CONTESTANTS)
    for (const workload of json.workloads) expect(Object.keys(workload.results).length, workload.id).toBeGreaterThan(0)
    const markdown = readFileSync(join(resultsDir, 'latest.md'), 'utf8')
    const svg = readFileSync(join(resultsDir, 'hit-latency.svg'), 'utf8')
    for (const label of CONTESTANTS) {
      expect(stdout, label).toContain(`| ${label} |`)
      expect(markdown, label).toContain(`| ${label} |`)
      expect(svg, label).toContain(label)
    }
  }, 420_000) // a quick run takes ~3 min on a loaded 2-core machine (load average ~30 seen here)
})
