/**
 * Which database the test bed runs on: `TEST_PROVIDER=postgres|mysql|sqlite` (default postgres).
 * The same integration files run on each; a file that is about something else than the database
 * (a store, processes, PostgreSQL syntax) says so in a `// providers: ...` line that
 * vitest.config.ts reads. Tests write their direct SQL the PostgreSQL way (`"Tag"`, `$1`) and
 * {@link dialectSql} moves it to the provider's dialect.
 */
import { Prisma } from '../generated/prisma/client.js'

export const PROVIDERS = ['postgres', 'mysql', 'sqlite'] as const
export type Provider = (typeof PROVIDERS)[number]

function readProvider(): Provider {
  const value = process.env.TEST_PROVIDER ?? 'postgres'
  if (!(PROVIDERS as readonly string[]).includes(value)) throw new Error(`TEST_PROVIDER must be one of ${PROVIDERS.join(', ')}, not ${value}`)
  return value as Provider
}

/** The database of this run. */
export const provider: Provider = readProvider()

/** `"name"` as the provider quotes identifiers (MySQL: backticks; SQLite takes double quotes). */
function quoteIdentifiers(text: string, target: Provider): string {
  if (target !== 'mysql') return text
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === "'") {
      const end = text.indexOf("'", i + 1)
      out += text.slice(i, end + 1)
      i = end
    } else out += c === '"' ? '`' : c
  }
  return out
}

/**
 * SQL written for PostgreSQL (double-quoted identifiers, `$n` placeholders) in the provider's
 * dialect, with the parameters in placeholder order (MySQL and SQLite take `?`).
 */
export function dialectSql(text: string, params: readonly unknown[] = [], target: Provider = provider): { text: string; params: unknown[] } {
  if (target === 'postgres') return { text, params: [...params] }
  const ordered: unknown[] = []
  const moved = quoteIdentifiers(text, target).replace(/\$(\d+)/g, (_, n: string) => {
    ordered.push(params[Number(n) - 1])
    return '?'
  })
  return { text: moved, params: ordered }
}

/**
 * A tagged template for `$executeRaw` / `$queryRaw` written the PostgreSQL way, its identifiers
 * quoted for the provider: `prisma.$executeRaw(sql\`UPDATE "Tag" SET name = ${name}\`)`.
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Prisma.Sql {
  return Prisma.sql(strings.map((s) => quoteIdentifiers(s, provider)), ...values)
}

/** What differs between the providers, for the few tests that touch it. */
export const capabilities = {
  /** `createManyAndReturn` / `updateManyAndReturn`: Prisma offers them on PostgreSQL and SQLite, not MySQL. */
  manyAndReturn: provider !== 'mysql',
  /**
   * A read outside an interactive transaction does not see its uncommitted writes. Not on SQLite:
   * its driver adapters run every query on one connection, so the cache invalidates a rolled-back
   * transaction's models there too.
   */
  isolatedTransactions: provider !== 'sqlite',
}

/** Operations Prisma does not offer on this provider. */
export const UNSUPPORTED_OPERATIONS: ReadonlySet<string> = new Set(capabilities.manyAndReturn ? [] : ['createManyAndReturn', 'updateManyAndReturn'])

/** Whether a statement Prisma generated names `table` (`"Tag"` on PostgreSQL and SQLite, `` `Tag` `` on MySQL). */
export function mentionsTable(statement: string, table: string): boolean {
  return statement.includes(`"${table}"`) || statement.includes(`\`${table}\``)
}

/**
 * A statement for `$executeRawUnsafe` / `$queryRawUnsafe` written the PostgreSQL way (`"Tag"`,
 * `$1`, `$2`, ... in order) in the provider's dialect; the parameters are passed as they are.
 */
export function unsafeSql(text: string): string {
  const numbers = [...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))
  if (numbers.some((n, i) => n !== i + 1)) throw new Error(`unsafeSql: placeholders must be $1, $2, ... in order: ${text}`)
  return dialectSql(text, numbers).text
}
