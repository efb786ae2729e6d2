/**
 * A short shop session through prisma-query-cache. With no environment it runs on an embedded
 * PostgreSQL (PGlite) and the memory store; with DATABASE_URL / REDIS_URL it uses those instead.
 *   npm run demo
 */
import { readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import { Redis } from 'ioredis'
import pg from 'pg'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { cacheExtension, memoryStore, redisStore, type CacheInfo } from '../src/index.js'
import { PrismaClient } from '../test/generated/prisma/client.js'

const schemaSql = readFileSync(new URL('../prisma/schema.sql', import.meta.url), 'utf8')

async function main(): Promise<void> {
  const database = process.env.DATABASE_URL ? await serverDatabase(process.env.DATABASE_URL) : await embeddedDatabase()
  const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined
  const store = redis ? redisStore({ client: redis }) : memoryStore()
  console.log(`database: ${database.label}   store: ${store.kind}\n`)

  let queries = 0
  const base = new PrismaClient({ adapter: database.adapter, log: [{ emit: 'event', level: 'query' }] })
  base.$on('query', () => queries++)
  const prisma = base.$extends(cacheExtension({ store, ttl: 60, namespace: `demo-${process.pid}` }))
  await seed(base)

  const rows: string[][] = []
  let reads = 0
  async function step(label: string, run: () => Promise<{ info: CacheInfo }>, note = ''): Promise<void> {
    const before = queries
    const started = performance.now()
    const { info } = await run()
    const ms = (performance.now() - started).toFixed(2)
    rows.push([String(++reads), label, info.status, ms, String(queries - before), note])
  }
  async function write(label: string, run: () => Promise<unknown>): Promise<void> {
    await run()
    rows.push(['', `-- ${label}`, '', '', '', ''])
  }

  const published = () => prisma.product.findMany({ where: { status: 'PUBLISHED' }, include: { category: true }, cache: { ttl: 30 } }).withCacheInfo()
  const user = (id: number) => prisma.user.findUnique({ where: { id }, cache: true }).withCacheInfo()
  const revenue = () => prisma.order.aggregate({ _sum: { total: true }, cache: { ttl: 10, tags: ['dashboard'] } }).withCacheInfo()

  await step('product.findMany published + category', published, 'first read: database')
  await step('product.findMany published + category', published, 'same query: cache')
  await step('user.findUnique id 1', () => user(1))
  await step('user.findUnique id 1', () => user(1))
  await step('user.findUnique id 2', () => user(2))
  await step('order.aggregate _sum total', revenue)
  await step('order.aggregate _sum total', revenue)
  await write('user.update id 2', () => prisma.user.update({ where: { id: 2 }, data: { name: 'Grace H.' } }))
  await step('user.findUnique id 1', () => user(1), 'another row: still cached')
  await step('user.findUnique id 2', () => user(2), 'the updated row: fresh')
  await step('product.findMany published + category', published, 'unrelated model: still cached')
  await write('category.update (included by the product list)', () => prisma.category.update({ where: { id: 1 }, data: { name: 'Books & more' } }))
  await step('product.findMany published + category', published, 'include reached Category: fresh')
  await write('$cache.invalidate({ tags: ["dashboard"] })', () => prisma.$cache.invalidate({ tags: ['dashboard'] }))
  await step('order.aggregate _sum total', revenue, 'tag invalidated: fresh')

  printTable(['#', 'query', 'status', 'ms', 'db queries', 'note'], rows)
  const stats = prisma.$cache.stats()
  console.log(`\nhits ${stats.hits}, misses ${stats.misses}, invalidations ${stats.invalidations}, hit rate ${(stats.hitRate * 100).toFixed(0)}%`)

  await base.$disconnect()
  redis?.disconnect()
  await database.close()
}

async function embeddedDatabase() {
  const db = new PGlite()
  await db.exec(schemaSql)
  return { label: 'PGlite (embedded)', adapter: new PrismaPGlite(db), close: () => db.close() }
}

/** A throwaway database on the given server, dropped at the end. */
async function serverDatabase(url: string) {
  const name = `pqc_demo_${process.pid}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${name}`)
  await admin.query(`CREATE DATABASE ${name}`)
  const target = new URL(url)
  target.pathname = `/${name}`
  const client = new pg.Client({ connectionString: target.toString() })
  await client.connect()
  await client.query(schemaSql)
  await client.end()
  return {
    label: `${target.host}/${name}`,
    adapter: new PrismaPg({ connectionString: target.toString() }),
    close: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

async function seed(prisma: PrismaClient): Promise<void> {
  const books = await prisma.category.create({ data: { name: 'Books' } })
  const games = await prisma.category.create({ data: { name: 'Games' } })
  await prisma.product.createMany({
    data: [
      { sku: 'B-1', name: 'The Pragmatic Programmer', price: '39.90', stock: 12n, status: 'PUBLISHED', categoryId: books.id },
      { sku: 'B-2', name: 'Designing Data-Intensive Applications', price: '45.00', stock: 3n, status: 'PUBLISHED', categoryId: books.id },
      { sku: 'G-1', name: 'Go board', price: '120.00', stock: 1n, status: 'DRAFT', categoryId: games.id },
    ],
  })
  await prisma.user.create({ data: { email: 'ada@example.com', name: 'Ada', orders: { create: [{ total: '84.90' }, { total: '39.90' }] } } })
  await prisma.user.create({ data: { email: 'grace@example.com', name: 'Grace', orders: { create: [{ total: '45.00' }] } } })
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |'
  console.log(line(header))
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|')
  for (const row of rows) console.log(line(row))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
