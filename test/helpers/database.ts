/**
 * A database of its own for each test file: created from prisma/schema.sql on the test server,
 * reached through a PrismaPg adapter that counts every statement Prisma sends and can hold chosen
 * statements at a gate. Counting at the adapter, below every extension, sees what really reached
 * PostgreSQL whatever the cache did.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { PrismaClient } from '../generated/prisma/client.js'
import { countingAdapterFactory, type AroundStatement } from './counting-adapter.js'
import { adminDatabaseUrl, databaseUrlFor } from './services.js'

const schemaSql = readFileSync(new URL('../../prisma/schema.sql', import.meta.url), 'utf8')

/** Statements Prisma sent to PostgreSQL since the last reset. */
export interface Executions {
  total: number
  /** Statements starting with SELECT. */
  reads: number
  /** Every other statement (writes, transaction control). */
  writes: number
  /** Every statement's SQL, in order. */
  log: string[]
  reset(): void
}

/** Holds statements back to race reads against writes on purpose. */
export interface Gate {
  /**
   * From now on, statements for which `filter(sql)` is true run but their result is held until
   * {@link open}: the read saw the database as it was, and reports it late.
   */
  close(filter?: (sql: string) => boolean): void
  /** Releases every held statement and stops holding new ones. */
  open(): void
  /** How many statements are being held. */
  readonly waiting: number
}

export interface TestDatabase {
  /** Connection string of this file's database. */
  url: string
  /** A raw client (no extension) whose adapter counts and gates. */
  prisma: PrismaClient
  executions: Executions
  gate: Gate
  /** A direct SQL read through `pg`, bypassing Prisma and any cache. */
  sql<T>(text: string, params?: unknown[]): Promise<T[]>
  /** Another raw client on the same database, sharing the counter and gate. */
  newClient(): PrismaClient
  drop(): Promise<void>
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

/** Creates `pqc_test_<random>` from prisma/schema.sql. Call `drop()` in afterAll. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = 'pqc_test_' + randomBytes(6).toString('hex')
  await admin((c) => c.query(`CREATE DATABASE "${name}"`))
  const url = databaseUrlFor(name)
  const direct = new pg.Client({ connectionString: url })
  await direct.connect()
  await direct.query(schemaSql)

  const executions: Executions = {
    total: 0,
    reads: 0,
    writes: 0,
    log: [],
    reset() {
      this.total = this.reads = this.writes = 0
      this.log = []
    },
  }
  let filter: ((sql: string) => boolean) | undefined
  let held: (() => void)[] = []
  const gate: Gate = {
    close(f = () => true) {
      filter = f
    },
    open() {
      filter = undefined
      const release = held
      held = []
      for (const resume of release) resume()
    },
    get waiting() {
      return held.length
    },
  }

  const run: AroundStatement = async (query, execute) => {
    executions.total++
    if (/^\s*SELECT/i.test(query.sql)) executions.reads++
    else executions.writes++
    executions.log.push(query.sql)
    const hold = filter?.(query.sql) ?? false
    const result = await execute()
    if (hold && filter) await new Promise<void>((resume) => held.push(resume))
    return result
  }
  const adapterFactory = () => countingAdapterFactory(url, run)

  const clients: PrismaClient[] = []
  const newClient = () => {
    const client = new PrismaClient({ adapter: adapterFactory() })
    clients.push(client)
    return client
  }
  const prisma = newClient()

  return {
    url,
    prisma,
    executions,
    gate,
    newClient,
    async sql<T>(text: string, params: unknown[] = []) {
      return (await direct.query(text, params)).rows as T[]
    },
    async drop() {
      gate.open()
      await Promise.allSettled(clients.map((c) => c.$disconnect()))
      await direct.end()
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
    },
  }
}
