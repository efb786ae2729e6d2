/**
 * A database of its own for each test file, on the provider of the run (TEST_PROVIDER, see
 * provider.ts): a PostgreSQL or MariaDB database created from the schema's committed SQL, or a
 * SQLite file in a temporary folder. Prisma reaches it through the provider's driver adapter
 * wrapped so that it counts every statement Prisma sends and can hold chosen statements at a
 * gate. Counting at the adapter, below every extension, sees what really reached the database
 * whatever the cache did.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaMariaDb } from '@prisma/adapter-mariadb'
import { PrismaPg } from '@prisma/adapter-pg'
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import Sqlite from 'better-sqlite3'
import mariadb from 'mariadb'
import pg from 'pg'
import type { PrismaClient } from '../generated/prisma/client.js'
import { wrapAdapterFactory, type AroundStatement } from './counting-adapter.js'
import { dialectSql, provider, type Provider } from './provider.js'
import { adminDatabaseUrl, databaseUrlFor, mysqlAdminUrl } from './services.js'

/** Statements Prisma sent to the database since the last reset. */
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

export interface TestDatabase<Client = PrismaClient> {
  /** The database of this run. */
  provider: Provider
  /** Connection string of this file's database (PostgreSQL and MySQL; the file URL on SQLite). */
  url: string
  /** A raw client (no extension) whose adapter counts and gates. */
  prisma: Client
  executions: Executions
  gate: Gate
  /**
   * A direct SQL statement bypassing Prisma and any cache, written the PostgreSQL way (`"Tag"`,
   * `$1`) and moved to the provider's dialect. Counts come back as numbers on every provider.
   */
  sql<T>(text: string, params?: unknown[]): Promise<T[]>
  /** Another raw client on the same database, sharing the counter and gate. */
  newClient(): Client
  drop(): Promise<void>
}

/** The connection a provider's database offers the test bed. */
interface Backend {
  url: string
  adapter(): SqlDriverAdapterFactory
  /** Runs one statement (or, without parameters, a script) in the provider's dialect. */
  query(text: string, params: unknown[]): Promise<unknown[]>
  drop(): Promise<void>
}

/** The generated client class of a schema (every generated client has this constructor). */
export type ClientClass<Client> = new (options: { adapter: SqlDriverAdapterFactory }) => Client

/**
 * The shop on each provider: its folder under prisma/ and its generated client. The clients have
 * the same models; the PostgreSQL one's type stands for all three.
 */
const SHOP: Record<Provider, { folder: string; client: () => Promise<{ PrismaClient: unknown }> }> = {
  postgres: { folder: '', client: () => import('../generated/prisma/client.js') },
  mysql: { folder: 'mysql', client: () => import('../generated/mysql/client.js') },
  sqlite: { folder: 'sqlite', client: () => import('../generated/sqlite/client.js') },
}

/** The shop on this run's provider: a database from its schema.sql, and its generated client. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { PrismaClient } = (await SHOP[provider].client()) as { PrismaClient: ClientClass<PrismaClient> }
  return createDatabaseFor(SHOP[provider].folder, PrismaClient)
}

/**
 * A database created from `prisma/<folder>/schema.sql` (the folder's schema must be of this
 * run's provider), reached through `Client`, that schema's generated client.
 */
export async function createDatabaseFor<Client extends { $disconnect(): Promise<void> }>(folder: string, Client: ClientClass<Client>): Promise<TestDatabase<Client>> {
  const script = readFileSync(new URL(`../../prisma/${folder ? folder + '/' : ''}schema.sql`, import.meta.url), 'utf8')
  const backend = await BACKENDS[provider](script)

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

  const clients: Client[] = []
  const newClient = () => {
    const client = new Client({ adapter: wrapAdapterFactory(backend.adapter(), run) })
    clients.push(client)
    return client
  }
  const prisma = newClient()

  return {
    provider,
    url: backend.url,
    prisma,
    executions,
    gate,
    newClient,
    async sql<T>(text: string, params: unknown[] = []) {
      const moved = dialectSql(text, params)
      return (await backend.query(moved.text, moved.params)) as T[]
    },
    async drop() {
      gate.open()
      await Promise.allSettled(clients.map((c) => c.$disconnect()))
      await backend.drop()
    },
  }
}

const uniqueName = () => 'pqc_test_' + randomBytes(6).toString('hex')

const BACKENDS: Record<Provider, (script: string) => Promise<Backend>> = {
  async postgres(script) {
    const name = uniqueName()
    const admin = async (text: string) => {
      const client = new pg.Client({ connectionString: adminDatabaseUrl })
      await client.connect()
      try {
        await client.query(text)
      } finally {
        await client.end()
      }
    }
    await admin(`CREATE DATABASE "${name}"`)
    const url = databaseUrlFor(name)
    const direct = new pg.Client({ connectionString: url })
    await direct.connect()
    await direct.query(script)
    return {
      url,
      adapter: () => new PrismaPg({ connectionString: url }),
      query: async (text, params) => (await direct.query(text, params)).rows,
      async drop() {
        await direct.end()
        await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      },
    }
  },

  async mysql(script) {
    const name = uniqueName()
    const server = new URL(mysqlAdminUrl)
    const config = { host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) }
    // bigIntAsNumber: COUNT(*) is a BIGINT, and the tests compare counts as numbers.
    const direct = await mariadb.createConnection({ ...config, multipleStatements: true, bigIntAsNumber: true })
    await direct.query(`CREATE DATABASE \`${name}\``)
    await direct.query(`USE \`${name}\``)
    await direct.query(script)
    const url = databaseUrlFor(name, mysqlAdminUrl)
    return {
      url,
      adapter: () => new PrismaMariaDb({ ...config, database: name, connectionLimit: 10 }),
      query: async (text, params) => {
        const result = (await direct.query(text, params)) as unknown
        return Array.isArray(result) ? [...(result as unknown[])] : []
      },
      async drop() {
        await direct.query(`DROP DATABASE IF EXISTS \`${name}\``)
        await direct.end()
      },
    }
  },

  async sqlite(script) {
    const dir = mkdtempSync(join(tmpdir(), 'pqc-sqlite-'))
    const file = join(dir, 'test.db')
    const direct = new Sqlite(file)
    direct.pragma('journal_mode = WAL') // the direct connection reads while Prisma's writes
    direct.exec(script)
    const url = `file:${file}`
    return {
      url,
      adapter: () => new PrismaBetterSqlite3({ url, timeout: 10_000 }),
      async query(text, params) {
        if (params.length === 0 && !/^\s*(SELECT|WITH)\b/i.test(text)) {
          direct.exec(text)
          return []
        }
        const statement = direct.prepare(text)
        return statement.reader ? statement.all(...params) : (statement.run(...params), [])
      },
      async drop() {
        direct.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}
