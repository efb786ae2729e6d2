/**
 * Which models a raw SQL write changes, read from the statement's text. Only the plain shapes are
 * recognised (one `INSERT INTO`, `UPDATE`, `DELETE FROM`, `MERGE INTO` or `TRUNCATE` of known
 * tables); anything else — several statements, CTEs, functions, DDL, unknown tables — returns
 * `undefined`, and the caller invalidates everything. Triggers are invisible here: that is why
 * `raw: 'by-table'` is an opt-in.
 */
import type { SchemaGraph } from './schema-graph.js'
import { tableWriteInvalidations } from './write-invalidations.js'

const IDENTIFIER = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`
const TABLE = String.raw`(?:${IDENTIFIER}\s*\.\s*)?(${IDENTIFIER})`

const SHAPES: [RegExp, 'insert' | 'update' | 'delete'][] = [
  [new RegExp(String.raw`^INSERT\s+INTO\s+${TABLE}`, 'i'), 'update'], // ON CONFLICT DO UPDATE may update rows
  [new RegExp(String.raw`^UPDATE\s+(?:ONLY\s+)?${TABLE}`, 'i'), 'update'],
  [new RegExp(String.raw`^DELETE\s+FROM\s+(?:ONLY\s+)?${TABLE}`, 'i'), 'delete'],
  [new RegExp(String.raw`^MERGE\s+INTO\s+(?:ONLY\s+)?${TABLE}`, 'i'), 'delete'],
]
const TRUNCATE = new RegExp(String.raw`^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?((?:${TABLE}\s*,\s*)*${TABLE})\s*(?:(?:RESTART|CONTINUE)\s+IDENTITY\s*)?(?:RESTRICT\s*)?$`, 'i')

/** The tags a raw write invalidates, or `undefined` when the statement is not understood. */
export function rawWriteInvalidations(graph: SchemaGraph, sql: string): string[] | undefined {
  const statement = withoutComments(sql)?.trim().replace(/;\s*$/, '')
  if (!statement || statement.includes(';')) return undefined
  const truncate = TRUNCATE.exec(statement)
  if (truncate) {
    const tables = truncate[1]!.split(',').map((part) => lastIdentifier(part.trim()))
    return union(tables.map((table) => tagsOfTable(graph, table, 'delete')))
  }
  for (const [shape, kind] of SHAPES) {
    const match = shape.exec(statement)
    if (match) return tagsOfTable(graph, unquote(match[1]!), kind)
  }
  return undefined
}

function tagsOfTable(graph: SchemaGraph, table: string | undefined, kind: 'insert' | 'update' | 'delete'): string[] | undefined {
  if (table === undefined) return undefined
  for (const model of graph.models.values()) {
    if (model.dbName === table) return tableWriteInvalidations(graph, model.name, kind)
    for (const relation of model.relations.values()) {
      if (relation.linkTag && relation.linkTag === `m:${table}`) return [relation.linkTag]
    }
  }
  return undefined
}

function union(parts: (string[] | undefined)[]): string[] | undefined {
  if (parts.some((part) => part === undefined)) return undefined
  return [...new Set(parts.flat() as string[])]
}

function lastIdentifier(qualified: string): string | undefined {
  const match = new RegExp(String.raw`${TABLE}$`).exec(qualified)
  return match ? unquote(match[1]!) : undefined
}

/** PostgreSQL folds unquoted names to lower case; quoted ones are exact. */
function unquote(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier.toLowerCase()
}

/**
 * Drops `--` and `/* *\/` comments outside string literals and blanks `;` inside literals;
 * `undefined` for an unterminated literal or comment.
 */
function withoutComments(sql: string): string | undefined {
  let out = ''
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1)
      if (end < 0) return undefined
      out += sql.slice(i, end + 1).replace(/;/g, ' ')
      i = end
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? sql.length : end
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      if (end < 0) return undefined
      i = end + 1
    } else out += c
  }
  return out
}
