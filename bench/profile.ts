/**
 * CPU profile of this library's findUnique hit path (`npx tsx bench/profile.ts`) or miss path
 * (`npx tsx bench/profile.ts miss`: every call a new key, as the miss workload): runs a child
 * `node --cpu-prof --import tsx` per store (memory, redis) that loops over the reads, then prints
 * the top self-time functions of each profile. Profiles land in bench/results (gitignored).
 * Like the bench it profiles the built package: `npm run build` first, or `BENCH_SOURCE=src`.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { config } from './helpers/config.js'
import { library } from './helpers/library.js'
import { countedClient, createBenchDatabase, databaseUrl } from './helpers/database.js'
import { selfTime, type CpuProfile } from './helpers/cpu-profile.js'

const { cacheExtension, memoryStore, redisStore } = library
const STORES = ['memory', 'redis'] as const
const root = fileURLToPath(new URL('../', import.meta.url))

function shortUrl(url: string): string {
  if (url.startsWith('file:')) return relative(root, fileURLToPath(url))
  return url.startsWith('/') ? relative(root, url) : url
}

/** Self time per function, as shares of the non-idle time. */
function topSelfTime(profile: CpuProfile, top = 15): { name: string; percent: number }[] {
  const { times, total } = selfTime(profile, (frame) => {
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''
    return `${frame.functionName || '(anonymous)'}${where ? ' ' + where : ''}`
  })
  return [...times.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, t]) => ({ name, percent: (100 * t) / total }))
}

type Path = 'hit' | 'miss'

async function child(store: (typeof STORES)[number], path: Path, seconds: number): Promise<void> {
  const { prisma } = countedClient(databaseUrl(config.adminUrl, config.databaseName))
  const redis = store === 'redis' ? new Redis(config.redisUrl, { db: config.redisDb }) : undefined
  const cached = prisma.$extends(cacheExtension({ store: redis ? redisStore({ client: redis }) : memoryStore(), ttl: 3600, namespace: 'pqc-profile' }))
  const ids = Array.from({ length: 50 }, (_, i) => i + 1)
  for (const id of ids) await cached.user.findUnique({ where: { id }, cache: true })
  const end = Date.now() + seconds * 1000
  let n = 0
  const token = Date.now()
  const next = path === 'hit'
    ? () => cached.user.findUnique({ where: { id: ids[n++ % ids.length]! }, cache: true })
    : () => cached.user.findUnique({ where: { id: ids[n % ids.length]!, name: { not: `miss-${token}-${n++}` } }, cache: true })
  while (Date.now() < end) await next()
  process.stderr.write(`[profile] ${store}: ${n} ${path}es, ${((seconds * 1e6) / n).toFixed(1)} µs each (profiler on), stats ${JSON.stringify(cached.$cache.stats())}\n`)
  redis?.disconnect()
  await prisma.$disconnect()
}

async function parent(path: Path): Promise<void> {
  await createBenchDatabase()
  const dir = join(config.resultsDir, 'profiles')
  for (const store of STORES) {
    const result = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${path}-${store}.cpuprofile`, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', store, path], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    if (result.status !== 0) throw new Error(`profile child (${store}) failed`)
    const file = readdirSync(dir).find((f) => f === `${path}-${store}.cpuprofile`)!
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
    process.stdout.write(`\n### findUnique ${path}, ${store}Store: top self time (share of non-idle CPU)\n\n| function | self |\n|---|---:|\n`)
    for (const { name, percent } of topSelfTime(profile)) process.stdout.write(`| ${name.replace(/\|/g, '\\|')} | ${percent.toFixed(1)}% |\n`)
  }
}

const at = process.argv.indexOf('--child')
if (at >= 0) await child(process.argv[at + 1] as (typeof STORES)[number], process.argv[at + 2] as Path, Number(process.env.PROFILE_SECONDS ?? 8))
else await parent(process.argv[2] === 'miss' ? 'miss' : 'hit')
