/**
 * Where the tests find their services: `DATABASE_URL` (PostgreSQL), `MYSQL_URL` (MySQL/MariaDB)
 * and `REDIS_URL`, defaulting to the local services. test/global-setup.ts starts containers
 * instead when neither a URL nor a local service is there and Docker is.
 */

/** An admin connection string to a PostgreSQL server on which tests may create databases. */
export const adminDatabaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'

/** An admin connection string to a MySQL/MariaDB server on which tests may create databases. */
export const mysqlAdminUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'

/** The Redis server the tests share (each test file in its own key namespace). */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** `adminUrl` with its database replaced by `name`. */
export function databaseUrlFor(name: string, adminUrl = adminDatabaseUrl): string {
  const url = new URL(adminUrl)
  url.pathname = '/' + name
  return url.toString()
}
