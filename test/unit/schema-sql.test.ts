import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import mariadb from 'mariadb'
import { describe, expect, it } from 'vitest'
import { createScript, expectedSchemaText, TEST_SCHEMAS, testSchema } from '../../scripts/schema-sql.js'
import { mysqlAdminUrl } from '../helpers/services.js'

const where = (path: string) => relative(process.cwd(), path)

describe.each(TEST_SCHEMAS.filter((s) => s.derive))('derived test schema $name ($provider)', (schema) => {
  it(`${where(schema.prismaPath)} is what scripts/schema-sql.ts derives (rerun it if not)`, () => {
    expect(readFileSync(schema.prismaPath, 'utf8')).toBe(expectedSchemaText(schema))
  })
})

describe.each(TEST_SCHEMAS)('test schema $name ($provider)', (schema) => {
  it(`${where(schema.sqlPath)} is the CREATE script of its schema (rerun scripts/schema-sql.ts if not)`, async () => {
    expect(readFileSync(schema.sqlPath, 'utf8')).toBe(await createScript(expectedSchemaText(schema), schema.provider))
  })
})

/**
 * MySQL's script is rendered by scripts/mysql-ddl.ts, not by Prisma's engine: check what it
 * creates against what Prisma's SQLite engine output says the shop is (same tables, columns,
 * nullability, unique keys and referential actions).
 */
describe('the MySQL script creates the shop Prisma describes', () => {
  interface Column { table: string; column: string; nullable: boolean }
  interface ForeignKey { table: string; column: string; target: string; onDelete: string; onUpdate: string }

  /** Tables, columns and foreign keys as written in a Prisma-generated SQLite script. */
  function fromSqliteScript(script: string) {
    const columns: Column[] = []
    const keys: ForeignKey[] = []
    for (const [, table, body] of script.matchAll(/CREATE TABLE "(\w+)" \(\n([\s\S]*?)\n\);/g)) {
      for (const line of body!.split('\n').map((l) => l.trim())) {
        const column = /^"(\w+)" \w+/.exec(line)
        if (column) columns.push({ table: table!, column: column[1]!, nullable: !line.includes('NOT NULL') })
        const key = /FOREIGN KEY \("(\w+)"\) REFERENCES "(\w+)" \("\w+"\) ON DELETE ([A-Z ]+?) ON UPDATE ([A-Z ]+?),?$/.exec(line)
        if (key) keys.push({ table: table!, column: key[1]!, target: key[2]!, onDelete: key[3]!, onUpdate: key[4]! })
      }
    }
    return { columns, keys }
  }

  it('has the same tables, columns, nullability and referential actions as the SQLite shop', async () => {
    const expected = fromSqliteScript(readFileSync(testSchema('sqlite').sqlPath, 'utf8'))
    const server = new URL(mysqlAdminUrl)
    const name = 'pqc_schema_' + Math.random().toString(16).slice(2, 10)
    const connection = await mariadb.createConnection({ host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password), multipleStatements: true })
    try {
      await connection.query(`CREATE DATABASE \`${name}\``)
      await connection.query(`USE \`${name}\``)
      await connection.query(readFileSync(testSchema('mysql').sqlPath, 'utf8'))
      const columns = (await connection.query(`SELECT TABLE_NAME AS t, COLUMN_NAME AS c, IS_NULLABLE AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?`, [name])) as { t: string; c: string; n: string }[]
      const keys = (await connection.query(
        `SELECT k.TABLE_NAME AS t, k.COLUMN_NAME AS c, k.REFERENCED_TABLE_NAME AS r, rc.DELETE_RULE AS d, rc.UPDATE_RULE AS u
         FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
           ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
         WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL`,
        [name],
      )) as { t: string; c: string; r: string; d: string; u: string }[]
      const sort = <T>(rows: T[]) => rows.map((row) => JSON.stringify(row)).sort()
      expect(sort(columns.map((r) => ({ table: r.t, column: r.c, nullable: r.n === 'YES' })))).toEqual(sort(expected.columns))
      expect(sort(keys.map((r) => ({ table: r.t, column: r.c, target: r.r, onDelete: r.d, onUpdate: r.u })))).toEqual(sort(expected.keys))
      expect(expected.keys.length).toBeGreaterThan(5)
    } finally {
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await connection.end()
    }
  })
})
