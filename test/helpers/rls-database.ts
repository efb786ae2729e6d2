/**
 * Multi-tenancy with PostgreSQL row-level security: a database of its own where `"Order"` rows
 * belong to a tenant (their `userId`), a login role that is not a superuser (superusers bypass
 * RLS), `ENABLE` + `FORCE ROW LEVEL SECURITY`, and a policy on `current_setting('app.tenant')`.
 * Tenant `'admin'` sees and writes every row. The setting reaches PostgreSQL two ways:
 * - {@link RlsDatabase.docsClient}: Prisma's documented extension, each query in a batch
 *   transaction after `set_config('app.tenant', <tenant>, TRUE)`, the tenant from
 *   AsyncLocalStorage;
 * - {@link RlsDatabase.clientFor}: a client per tenant whose connections start with
 *   `-c app.tenant=<tenant>` (no transaction around each query, so the cache can sit on top).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { PrismaClient } from '../generated/prisma/client.js'
import { countingAdapterFactory, type AroundStatement } from './counting-adapter.js'
import { createTestDatabase, type TestDatabase } from './database.js'
import { adminDatabaseUrl } from './services.js'

/** Who the current request is for: `tenant` goes to PostgreSQL, `scope` to the cache. */
export interface RequestContext {
  tenant: string
  scope: string | undefined
}

/** The request context of the running async call chain. */
export const requestContext = new AsyncLocalStorage<RequestContext>()

/**
 * Runs `fn` as `tenant` (cache scope: the tenant; `'admin'` reads and writes unscoped). The
 * result is awaited inside the context: a Prisma query runs when it is awaited, not when it is
 * created, and extensions (the cache's `scope()`, an RLS wrapper) see the context of that moment.
 */
export function asTenant<T>(tenant: string, fn: () => PromiseLike<T>): Promise<T> {
  return requestContext.run({ tenant, scope: tenant === 'admin' ? undefined : tenant }, async () => await fn())
}

/** The cache's `scope` option for this context. */
export const scopeOfRequest = () => requestContext.getStore()?.scope

export interface RlsDatabase {
  /** The test database (superuser connections: they bypass RLS). */
  db: TestDatabase
  /** Prisma's documented RLS extension on a client logged in as the RLS-bound role. */
  docsClient: ReturnType<typeof docsRlsExtension>
  /** A client (one connection) logged in as the RLS-bound role for `tenant`. */
  clientFor(tenant: string): PrismaClient
  /** Data statements every client of the role sent (set_config and transaction control excluded). */
  executions: { reads: number; reset(): void }
  drop(): Promise<void>
}

/** Prisma's documented RLS wrapper: each query in a batch transaction after `set_config`. */
function docsRlsExtension(client: PrismaClient) {
  return client.$extends({
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          const tenant = requestContext.getStore()?.tenant ?? ''
          const [, result] = await client.$transaction([client.$executeRaw`SELECT set_config('app.tenant', ${tenant}, TRUE)`, query(args)])
          return result
        },
      },
    },
  })
}

/** Creates the database, the role and the policy. */
export async function createRlsDatabase(): Promise<RlsDatabase> {
  const db = await createTestDatabase()
  const role = 'pqc_rls_' + randomBytes(5).toString('hex')
  const password = randomBytes(9).toString('hex')
  await db.sql(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${password}'`)
  await db.sql(`GRANT USAGE ON SCHEMA public TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`)
  await db.sql(`ALTER TABLE "Order" ENABLE ROW LEVEL SECURITY; ALTER TABLE "Order" FORCE ROW LEVEL SECURITY`)
  const owns = `current_setting('app.tenant', TRUE) IN ('admin', "userId"::text)`
  await db.sql(`CREATE POLICY tenant_rows ON "Order" USING (${owns}) WITH CHECK (${owns})`)
  let reads = 0
  const count: AroundStatement = async (query, execute) => {
    if (/^\s*SELECT/i.test(query.sql) && !/set_config/.test(query.sql)) reads++
    return execute()
  }
  const roleUrl = (tenant?: string) => {
    const url = new URL(db.url)
    url.username = role
    url.password = password
    if (tenant !== undefined) url.searchParams.set('options', `-c app.tenant=${tenant}`)
    return url.toString()
  }
  const clients = new Map<string, PrismaClient>()
  const docsBase = new PrismaClient({ adapter: countingAdapterFactory(roleUrl(), count) })
  return {
    db,
    docsClient: docsRlsExtension(docsBase),
    clientFor(tenant) {
      let client = clients.get(tenant)
      if (!client) {
        client = new PrismaClient({ adapter: countingAdapterFactory(roleUrl(tenant), count, { max: 1 }) })
        clients.set(tenant, client)
      }
      return client
    },
    executions: {
      get reads() {
        return reads
      },
      reset() {
        reads = 0
      },
    },
    async drop() {
      await Promise.allSettled([docsBase, ...clients.values()].map((c) => c.$disconnect()))
      await db.drop()
      const admin = new pg.Client({ connectionString: adminDatabaseUrl })
      await admin.connect()
      await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end())
    },
  }
}
