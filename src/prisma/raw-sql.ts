/**
 * Raw SQL as a query hook sees it: which raw operations may write, and the statement text of
 * `$executeRaw` (a template: `{ strings, values }`) or `$executeRawUnsafe` (`[sql, ...values]`).
 */

const RAW_OPERATIONS = new Set(['$executeRaw', '$executeRawUnsafe', '$queryRaw', '$queryRawUnsafe'])
/**
 * Statements that change no rows: plain reads, and `SET`/`RESET` of settings (a row-level-security
 * extension runs `SELECT set_config(...)` or `SET LOCAL ...` before every query — treating that as
 * a write would empty the cache on every read). Anything else (`UPDATE ... RETURNING`, `WITH`,
 * `CALL`, several statements) may write. A `SELECT` of a function that writes is not seen here.
 */
const READ_ONLY_SQL = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*(?:SELECT|SHOW|VALUES|TABLE|SET|RESET)\b/i

/** A raw statement that may change data, as far as its text tells. */
export function isRawWrite(operation: string, args: unknown): boolean {
  if (!RAW_OPERATIONS.has(operation)) return false
  const text = rawSqlText(args)
  return text === undefined || !READ_ONLY_SQL.test(text) || hasSeveralStatements(text)
}

/** A `;` followed by more text: `SELECT 1; DELETE ...` is a write. */
function hasSeveralStatements(text: string): boolean {
  return /;\s*\S/.test(text.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, ''))
}

/** The statement text of a raw call, placeholders rendered as `$1`, `$2`, …; `undefined` when unknown. */
export function rawSqlText(args: unknown): string | undefined {
  if (Array.isArray(args)) return typeof args[0] === 'string' ? args[0] : undefined
  const strings = (args as { strings?: unknown } | undefined)?.strings
  if (Array.isArray(strings) && strings.every((s) => typeof s === 'string')) return strings.map((s, i) => (i === 0 ? s : `$${i}${s}`)).join('')
  return undefined
}
