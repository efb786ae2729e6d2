/**
 * Which models a raw SQL write changes, read from the statement's text in the dialect of the
 * schema's provider. Only the plain shapes are recognised — one `INSERT`, `REPLACE`, `UPDATE`,
 * `DELETE`, `MERGE` or `TRUNCATE` of known tables, in PostgreSQL's, MySQL/MariaDB's or SQLite's
 * spelling — and anything else (several statements, CTEs, multi-table UPDATE/DELETE, a function
 * or procedure called as the statement (`SELECT f()`, `CALL p()`), DDL, unknown tables,
 * backslashes or dollar quotes in literals, MySQL's executable comments) returns `undefined`, and
 * the caller invalidates everything. Invisible here: triggers, and what a function called inside
 * a recognised statement writes (`UPDATE t SET x = f()`, `INSERT ... SELECT f()`); that is why
 * `raw: 'by-table'` is an opt-in.
 *
 * Table names are matched as each database resolves them: PostgreSQL folds unquoted names to
 * lower case and keeps quoted ones exact; MySQL/MariaDB and SQLite are matched without regard to
 * case (SQLite ignores it; MySQL ignores it on some servers, and where it does not, the other-case
 * name is no table at all, so invalidating it costs a miss and nothing more). A name that matches
 * several models invalidates them all. A schema qualifier picks among `@@schema` models and is
 * ignored otherwise (on MySQL it names the database).
 */
import type { SchemaGraph } from './schema-graph.js'
import { tableWriteInvalidations } from './write-invalidations.js'

type Kind = 'update' | 'delete'

/** How one dialect quotes identifiers and resolves their case. */
interface Dialect {
  /** Opening quote characters that delimit an identifier. */
  quotes: string
  /** 'fold': unquoted names fold to lower case and quoted ones are exact (PostgreSQL); 'any': case never matters. */
  names: 'fold' | 'any'
}

const POSTGRES: Dialect = { quotes: '"', names: 'fold' }
const MYSQL: Dialect = { quotes: '`"', names: 'any' } // "x" is an identifier under ANSI_QUOTES, a syntax error otherwise
const SQLITE: Dialect = { quotes: '"`[', names: 'any' }
/** The provider is unknown (no schema text): every quoting style, every case. */
const ANY: Dialect = { quotes: '"`[', names: 'any' }

function dialectOf(provider: string | undefined): Dialect {
  switch (provider) {
    case 'postgresql':
    case 'postgres':
    case 'cockroachdb':
      return POSTGRES
    case 'mysql':
      return MYSQL
    case 'sqlite':
      return SQLITE
    default:
      return ANY
  }
}

/** One identifier in any of the quoting styles; which ones a dialect accepts is checked after matching. */
const IDENTIFIER = String.raw`(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_$]*)`
/** `[schema.]table`, capturing both. */
const TABLE = String.raw`(?:(${IDENTIFIER})\s*\.\s*)?(${IDENTIFIER})`
/** What may follow the target of a single-table UPDATE: an optional alias, then SET. */
const UPDATE_REST = new RegExp(String.raw`^\s*(?:AS\s+${IDENTIFIER}\s+|(?!SET\b)${IDENTIFIER}\s+)?SET\b`, 'i')
/** What may follow the target of a single-table DELETE (not `DELETE FROM a, b USING ...`, which deletes from both). */
const DELETE_END = String.raw`(?:$|(?:WHERE|USING|RETURNING|ORDER|LIMIT)\b)`
const DELETE_REST = new RegExp(String.raw`^\s*(?:AS\s+${IDENTIFIER}\s*|(?!${DELETE_END})${IDENTIFIER}\s*)?${DELETE_END}`, 'i')

/** A statement shape: the regex up to the target table, the kind of write, and a check of what follows. */
const SHAPES: { shape: RegExp; kind: Kind; rest?: RegExp }[] = [
  // SQLite's INSERT OR REPLACE / REPLACE INTO and MySQL's REPLACE delete the conflicting rows first: a delete.
  { shape: new RegExp(String.raw`^(?:INSERT\s+OR\s+REPLACE|REPLACE(?:\s+(?:LOW_PRIORITY|DELAYED))?)\s+(?:INTO\s+)?${TABLE}`, 'i'), kind: 'delete' },
  // INSERT ... ON CONFLICT DO UPDATE / ON DUPLICATE KEY UPDATE may update rows, keys included.
  { shape: new RegExp(String.raw`^INSERT\s+OR\s+(?:IGNORE|ABORT|FAIL|ROLLBACK)\s+INTO\s+${TABLE}`, 'i'), kind: 'update' },
  { shape: new RegExp(String.raw`^INSERT(?:\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY))?(?:\s+IGNORE)?\s+(?:INTO\s+)?${TABLE}`, 'i'), kind: 'update' },
  { shape: new RegExp(String.raw`^UPDATE\s+OR\s+REPLACE\s+${TABLE}`, 'i'), kind: 'delete', rest: UPDATE_REST },
  { shape: new RegExp(String.raw`^UPDATE(?:\s+OR\s+(?:IGNORE|ABORT|FAIL|ROLLBACK))?(?:\s+LOW_PRIORITY)?(?:\s+IGNORE)?(?:\s+ONLY)?\s+${TABLE}\s*\*?`, 'i'), kind: 'update', rest: UPDATE_REST },
  { shape: new RegExp(String.raw`^DELETE(?:\s+LOW_PRIORITY)?(?:\s+QUICK)?(?:\s+IGNORE)?\s+FROM\s+(?:ONLY\s+)?${TABLE}\s*\*?`, 'i'), kind: 'delete', rest: DELETE_REST },
  { shape: new RegExp(String.raw`^MERGE\s+INTO\s+(?:ONLY\s+)?${TABLE}`, 'i'), kind: 'delete' },
]
const TRUNCATE = new RegExp(String.raw`^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?((?:${TABLE}\s*,\s*)*${TABLE})\s*(?:(?:RESTART|CONTINUE)\s+IDENTITY\s*)?(?:RESTRICT\s*)?$`, 'i')
const QUALIFIED = new RegExp(String.raw`^${TABLE}$`)

/** The tags a raw write invalidates, or `undefined` when the statement is not understood. */
export function rawWriteInvalidations(graph: SchemaGraph, sql: string): string[] | undefined {
  const dialect = dialectOf(graph.provider)
  const statement = withoutComments(sql, dialect)?.trim().replace(/;\s*$/, '')
  if (!statement || statement.includes(';')) return undefined
  const truncate = TRUNCATE.exec(statement)
  if (truncate) {
    const tables = splitList(truncate[1]!).map((part) => QUALIFIED.exec(part.trim()))
    return union(tables.map((match) => match && tagsOfTable(graph, dialect, match[1], match[2]!, 'delete')))
  }
  for (const { shape, kind, rest } of SHAPES) {
    const match = shape.exec(statement)
    if (!match) continue
    if (rest && !rest.test(statement.slice(match[0].length))) return undefined
    return tagsOfTable(graph, dialect, match[1], match[2]!, kind)
  }
  return undefined
}

/** Splits `a, "b,c", d` at the commas outside quotes. */
function splitList(list: string): string[] {
  return list.match(new RegExp(String.raw`(?:${IDENTIFIER}\s*\.\s*)?${IDENTIFIER}`, 'g')) ?? []
}

/** A name as the database resolves it, or `undefined` when the dialect does not quote that way. */
function nameOf(identifier: string, dialect: Dialect): { name: string; exact: boolean } | undefined {
  const open = identifier[0]!
  if (open === '"' || open === '`' || open === '[') {
    if (!dialect.quotes.includes(open)) return undefined
    const name = open === '[' ? identifier.slice(1, -1) : identifier.slice(1, -1).split(open + open).join(open)
    return { name, exact: dialect.names === 'fold' }
  }
  return dialect.names === 'fold' ? { name: identifier.toLowerCase(), exact: true } : { name: identifier, exact: false }
}

const same = (a: string, b: string, exact: boolean) => (exact ? a === b : a.toLowerCase() === b.toLowerCase())

function tagsOfTable(graph: SchemaGraph, dialect: Dialect, schemaIdentifier: string | undefined, tableIdentifier: string, kind: Kind): string[] | undefined {
  const table = nameOf(tableIdentifier, dialect)
  const schema = schemaIdentifier === undefined ? undefined : nameOf(schemaIdentifier, dialect)
  if (!table || (schemaIdentifier !== undefined && !schema)) return undefined
  const parts: string[][] = []
  for (const model of graph.models.values()) {
    if (same(model.dbName, table.name, table.exact) && (!schema || model.schema === undefined || same(model.schema, schema.name, schema.exact))) {
      parts.push(tableWriteInvalidations(graph, model.name, kind))
    }
    for (const relation of model.relations.values()) {
      if (relation.linkTag && same(relation.linkTag, `m:${table.name}`, table.exact)) parts.push([relation.linkTag])
    }
  }
  return parts.length > 0 ? [...new Set(parts.flat())] : undefined
}

function union(parts: (string[] | undefined | null)[]): string[] | undefined {
  if (parts.some((part) => !part)) return undefined
  return [...new Set((parts as string[][]).flat())]
}

/**
 * Drops `--` and `/* *\/` comments outside quotes and blanks `;` inside quoted text (literals and
 * identifiers in the dialect's quotes). `undefined` when unsure: an unterminated quote or comment, a backslash in a
 * literal (an escape in MySQL and in PostgreSQL's E'' strings, plain text otherwise), a dollar-quoted
 * string (PostgreSQL), or a MySQL/MariaDB executable comment (`/*! ... *\/`), whose text runs.
 */
function withoutComments(sql: string, dialect: Dialect): string | undefined {
  if (/\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql)) return undefined
  const quotes = "'" + dialect.quotes
  let out = ''
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!
    if (quotes.includes(c)) {
      const end = sql.indexOf(c === '[' ? ']' : c, i + 1)
      if (end < 0) return undefined
      const quoted = sql.slice(i, end + 1)
      if ((c === "'" || c === '"') && quoted.includes('\\')) return undefined
      out += quoted.replace(/;/g, ' ')
      i = end
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? sql.length : end
    } else if (c === '/' && sql[i + 1] === '*') {
      if (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!')) return undefined
      const end = sql.indexOf('*/', i + 2)
      if (end < 0) return undefined
      out += ' '
      i = end + 1
    } else out += c
  }
  return out
}
