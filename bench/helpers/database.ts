/**
 * The bench database: `pqc_bench`, dropped and recreated from prisma/schema.sql on every run and
 * seeded with one SQL statement per table. Clients count what reaches PostgreSQL at the driver
 * adapter (every `queryRaw`/`executeRaw` of PrismaPg), below every extension.
 */
import { existsSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { PrismaClient } from '../../test/generated/prisma/client.js'
import { countingAdapterFactory, type AroundStatement } from '../../test/helpers/counting-adapter.js'
import { config } from './config.js'

/** SQL statements that reached the database through one client. */
export interface QueryCounter {
  queries: number
}

/** The URL of `name` on the server of `adminUrl`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl)
  url.pathname = '/' + name
  return url.toString()
}

/** The CREATE script the bench builds its tables from (see scripts/schema-sql.ts). */
export function schemaSql(path = config.schemaSqlPath): string {
  if (!existsSync(path)) throw new Error(`${path} does not exist: the bench creates its tables from it`)
  return readFileSync(path, 'utf8')
}

/** Drops and recreates the bench database, creates the tables and seeds it. Returns its URL. */
export async function createBenchDatabase(): Promise<string> {
  const sql = schemaSql()
  const admin = new pg.Client({ connectionString: config.adminUrl })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${config.databaseName}" WITH (FORCE)`)
    await admin.query(`CREATE DATABASE "${config.databaseName}"`)
  } finally {
    await admin.end()
  }
  const url = databaseUrl(config.adminUrl, config.databaseName)
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  try {
    await db.query(sql)
    await seed(db)
  } finally {
    await db.end()
  }
  return url
}

/** Drops the bench database (end of run). */
export async function dropBenchDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: config.adminUrl })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${config.databaseName}" WITH (FORCE)`)
  } finally {
    await admin.end()
  }
}

/** ~1,000 users, 10 categories, ~200 products, ~5,000 orders with three items each. */
async function seed(db: pg.Client): Promise<void> {
  const { users, products, orders } = config.seed
  await db.query(`INSERT INTO "User" (email, name, role, "createdAt")
    SELECT 'user' || i || '@bench.test', 'User ' || i, CASE WHEN i % 50 = 0 THEN 'ADMIN'::"Role" ELSE 'CUSTOMER'::"Role" END,
           timestamp '2024-01-01' + i * interval '1 hour'
    FROM generate_series(1, $1) AS i`, [users])
  await db.query(`INSERT INTO "Profile" (bio, "userId") SELECT 'Bio of user ' || i, i FROM generate_series(1, $1) AS i WHERE i % 2 = 0`, [users])
  await db.query(`INSERT INTO "Category" (name) SELECT 'Category ' || i FROM generate_series(1, 10) AS i`)
  await db.query(`INSERT INTO "Product" (sku, name, price, stock, image, attributes, status, "releasedAt", "categoryId")
    SELECT 'SKU-' || i, 'Product ' || i, (i * 1.37)::numeric(12,2), 9007199254740993 + i, decode(md5(i::text), 'hex'),
           jsonb_build_object('color', 'c' || (i % 7), 'sizes', jsonb_build_array('S', 'M', 'L'), 'weight', i * 0.1),
           'PUBLISHED'::"ProductStatus", timestamp '2024-06-01' + i * interval '1 day', (i % 10) + 1
    FROM generate_series(1, $1) AS i`, [products])
  await db.query(`INSERT INTO "Order" ("userId", total, "placedAt")
    SELECT (i % $2) + 1, (i % 997 + 0.99)::numeric(12,2), timestamp '2024-01-01' + i * interval '5 minutes'
    FROM generate_series(1, $1) AS i`, [orders, users])
  await db.query(`INSERT INTO "OrderItem" ("orderId", "productId", quantity)
    SELECT o.id, ((o.id * 7 + k * 13) % $1) + 1, k + 1 FROM "Order" o CROSS JOIN generate_series(0, 2) AS k`, [products])
  await db.query('ANALYZE')
}

/** A raw PrismaClient on the bench database with a statement counter. */
export function countedClient(url: string): { prisma: PrismaClient; counter: QueryCounter } {
  const counter: QueryCounter = { queries: 0 }
  const count: AroundStatement = (_query, execute) => {
    counter.queries++
    return execute()
  }
  const prisma = new PrismaClient({ adapter: countingAdapterFactory(url, count, { max: 10 }) })
  return { prisma, counter }
}
