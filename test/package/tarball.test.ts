/**
 * The package as users get it: `npm pack`, then `npm install <tarball>` into new apps that are not
 * set up like this repository — a CommonJS app (`npm init` defaults), an ES module app with
 * `moduleResolution: NodeNext`, an app built by a bundler (`moduleResolution: bundler`, esbuild),
 * and a memory-store app without ioredis and with `skipLibCheck: false`. Each runs the README's
 * Quick start (or, without ioredis, its memory-store form) against this file's own database and
 * Redis server.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import {
  bundle, createApp, devVersion, install, installRoot, mustRun, packRepo, quickStartModule, readmeQuickStart, repo, reported, run, typeCheck,
  type PackedFile,
} from './projects.js'

const SETUP_MS = 900_000
const STEP_MS = 240_000

/** Appended to the Quick start: wait for Redis, read one row twice (the second read must hit), report, close. */
const TRAILER = `
if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
await prisma.user.findUnique({ where: { id: 6 }, cache: true })
await prisma.user.findUnique({ where: { id: 6 }, cache: true })
const product = await prisma.product.findUnique({ where: { id: 1 } })
console.log('QUICKSTART ' + JSON.stringify({ stats: prisma.$cache.stats(), price: String(product?.price) }))
await prisma.$disconnect()
redis.disconnect()
`

/** The memory-store form of the Quick start: no ioredis anywhere. */
const MEMORY_APP = `import { PrismaPg } from '@prisma/adapter-pg'
import { cacheExtension, memoryStore } from 'prisma-query-cache'
import { PrismaClient } from './generated/prisma/client.js'

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }) })
  .$extends(cacheExtension({ store: memoryStore(), ttl: 60 }))
await prisma.user.findUnique({ where: { id: 6 }, cache: true })
await prisma.user.findUnique({ where: { id: 6 }, cache: true })
console.log('MEMORY ' + JSON.stringify(prisma.$cache.stats()))
await prisma.$disconnect()
`

const NODE_NEXT = { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, outDir: 'dist', rootDir: 'src', skipLibCheck: true, types: ['node'] }

interface QuickStartReport {
  stats: { hits: number; misses: number; invalidations: number }
  price: string
}

let database: TestDatabase
let redis: RedisServer
let temp: string
let packed: { tarball: string; files: PackedFile[] }
let shared: string
let memoryRoot: string
const apps: Record<'cjs' | 'esm' | 'bundler' | 'memory', string> = { cjs: '', esm: '', bundler: '', memory: '' }
const env = () => ({ DATABASE_URL: database.url, REDIS_URL: redis.url })

beforeAll(async () => {
  const started = performance.now()
  const phases: string[] = []
  const phase = (name: string) => phases.push(`${name} ${((performance.now() - started) / 1000).toFixed(0)} s`)
  temp = mkdtempSync(join(tmpdir(), 'pqc-pkg-'))
  // The apps' other dependencies install while npm pack builds the package.
  const common = [devVersion('@prisma/client'), devVersion('prisma'), devVersion('@prisma/adapter-pg'), devVersion('pg'), devVersion('@types/node')]
  ;[database, redis, packed, shared, memoryRoot] = await Promise.all([
    createTestDatabase(), startRedisServer(), packRepo(temp), installRoot('shared', [...common, devVersion('ioredis')]),
    // Without the prisma CLI (its client is copied from the ESM app): peers not installed, as with legacy-peer-deps=true.
    installRoot('memory', common.filter((p) => !p.startsWith('prisma@')), ['--legacy-peer-deps']),
  ])
  phase('pack and install')
  await Promise.all([install(shared, [packed.tarball]), install(memoryRoot, [packed.tarball, '--legacy-peer-deps'])])
  phase('tarball installed')
  const category = await database.prisma.category.create({ data: { name: 'Books' } })
  await database.prisma.product.create({ data: { id: 1, sku: 'book-1', name: 'A book', price: 12, status: 'PUBLISHED', categoryId: category.id } })
  await database.prisma.user.createMany({ data: [5, 6].map((id) => ({ id, email: `u${id}@example.com`, name: `User ${id}` })) })

  const quickStart = readmeQuickStart()
  const esmQuickStart = { 'quickstart.ts': quickStartModule(quickStart, TRAILER, 'module') }
  ;[apps.cjs, apps.esm] = await Promise.all([
    createApp(shared, 'cjs', { type: 'commonjs', compilerOptions: NODE_NEXT, files: { 'quickstart.ts': quickStartModule(quickStart, TRAILER, 'commonjs') } }),
    createApp(shared, 'esm', { type: 'module', compilerOptions: NODE_NEXT, files: esmQuickStart }),
  ])
  const bundlerOptions = { module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }
  apps.bundler = await createApp(shared, 'bundler', { type: 'module', compilerOptions: bundlerOptions, files: esmQuickStart, clientFrom: apps.esm })
  apps.memory = await createApp(memoryRoot, 'memory', { type: 'module', compilerOptions: { ...NODE_NEXT, skipLibCheck: false }, files: { 'app.ts': MEMORY_APP }, clientFrom: apps.esm })
  phase('apps generated')
  console.info(`[package test] ${phases.join(', ')}`)
}, SETUP_MS)

afterAll(async () => {
  await Promise.allSettled([
    database?.prisma.$disconnect().then(() => database.drop()),
    redis?.stop(),
    ...[temp, shared, memoryRoot].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })),
  ])
}, STEP_MS)

/** Every string target of package.json "exports", "main", "types" and "bin". */
function entryTargets(): string[] {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, unknown>
  const out: string[] = []
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value.replace(/^\.\//, ''))
    else if (value && typeof value === 'object') Object.values(value).forEach(walk)
  }
  walk([pkg.exports, pkg.main, pkg.types, pkg.bin])
  return out
}

describe('the packed tarball', () => {
  it('holds every entry point package.json names (ESM and CommonJS, each with types), a LICENSE, and no source maps', () => {
    const paths = packed.files.map((f) => f.path)
    for (const target of entryTargets()) expect(paths, target).toContain(target)
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'dist/esm/index.d.ts', 'dist/cjs/index.d.ts', 'dist/cjs/package.json']))
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([])
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/'))).toEqual([])
  })

  it('gives every entry point import and require conditions, each with its own types', () => {
    const { exports } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
    for (const [subpath, entry] of Object.entries(exports)) {
      if (subpath === './package.json') continue
      expect(entry, subpath).toEqual({
        import: { types: expect.stringMatching(/^\.\/dist\/esm\/.*\.d\.ts$/), default: expect.stringMatching(/^\.\/dist\/esm\/.*\.js$/) },
        require: { types: expect.stringMatching(/^\.\/dist\/cjs\/.*\.d\.ts$/), default: expect.stringMatching(/^\.\/dist\/cjs\/.*\.js$/) },
      })
    }
  })

  it('installs one copy of @prisma/client and of the schema parser, shared with the app (npm ls)', async () => {
    const names = ['@prisma/client', '@prisma/prisma-schema-wasm', 'prisma-query-cache', 'ioredis']
    const selector = `:is(${names.map((n) => `[name="${n}"]`).join(',')})`
    const [inShared, inMemory] = await Promise.all([shared, memoryRoot].map(async (root) => {
      const nodes = JSON.parse((await mustRun('npm', ['query', selector], root)).stdout) as { name: string; location: string }[]
      return nodes.map((n) => n.location).sort()
    }))
    expect(inShared).toEqual(names.map((n) => `node_modules/${n}`).sort())
    expect(inMemory).toEqual(names.filter((n) => n !== 'ioredis').map((n) => `node_modules/${n}`).sort())
  }, STEP_MS)

  it('a CommonJS app (npm init defaults) requires the CommonJS build and runs the Quick start, compiled by tsc', async () => {
    expect((await typeCheck(apps.cjs)).stdout).toBe('')
    const resolved = await mustRun(process.execPath, ['-p', "require.resolve('prisma-query-cache')"], apps.cjs)
    expect(resolved.stdout.trim()).toMatch(/prisma-query-cache\/dist\/cjs\/index\.js$/)
    const ran = await run(process.execPath, ['dist/quickstart.js'], apps.cjs, env())
    expect(ran.code, ran.stderr).toBe(0)
    const report = reported<QuickStartReport>(ran.stdout, 'QUICKSTART')
    expect(report.stats.hits).toBeGreaterThanOrEqual(1)
    expect(report.price).toBe('9')
  }, STEP_MS)

  it('a CommonJS app on the older moduleResolution node10 finds the types through "main" and "types"', async () => {
    const checked = await typeCheck(apps.cjs, '--noEmit', '--module', 'CommonJS', '--moduleResolution', 'Node10')
    expect(checked.stdout).toBe('')
  }, STEP_MS)

  it('an ES module app with moduleResolution NodeNext type-checks the README Quick start and runs it', async () => {
    expect((await typeCheck(apps.esm)).stdout).toBe('')
    const resolved = await mustRun(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('prisma-query-cache'))"], apps.esm)
    expect(resolved.stdout.trim()).toMatch(/prisma-query-cache\/dist\/esm\/index\.js$/)
    const ran = await run(process.execPath, ['dist/quickstart.js'], apps.esm, env())
    expect(ran.code, ran.stderr).toBe(0)
    const report = reported<QuickStartReport>(ran.stdout, 'QUICKSTART')
    expect(report.stats.hits).toBeGreaterThanOrEqual(1)
    expect(report.price).toBe('9')
  }, STEP_MS)

  it('an app built by a bundler (moduleResolution bundler, esbuild) type-checks and runs the Quick start', async () => {
    expect((await typeCheck(apps.bundler)).stdout).toBe('')
    const bundled = await bundle(apps.bundler, 'quickstart.ts', 'dist/app.mjs')
    expect(bundled.code, bundled.stderr).toBe(0)
    const ran = await run(process.execPath, ['dist/app.mjs'], apps.bundler, env())
    expect(ran.code, ran.stderr).toBe(0)
    expect(reported<QuickStartReport>(ran.stdout, 'QUICKSTART').stats.hits).toBeGreaterThanOrEqual(1)
  }, STEP_MS)

  describe('a memory-store app without ioredis, skipLibCheck: false', () => {
    let errors: string[] = []
    beforeAll(async () => {
      // tsc still emits when it reports errors: the run below does not depend on the type check.
      const checked = await typeCheck(apps.memory)
      errors = checked.stdout.split('\n').filter((line) => line.includes('error TS'))
    }, STEP_MS)

    it('runs: nothing at run time needs ioredis (not installed, see the npm ls test)', async () => {
      const ran = await run(process.execPath, ['dist/app.js'], apps.memory, env())
      expect(ran.code, ran.stderr).toBe(0)
      expect(reported<{ hits: number; misses: number }>(ran.stdout, 'MEMORY')).toMatchObject({ hits: 1, misses: 1 })
    }, STEP_MS)

    // The Redis stores' option types are structural: the declarations import no Redis client.
    it('type-checks cleanly with skipLibCheck: false and no Redis client installed', () => {
      expect(errors).toEqual([])
    })
  })
})
