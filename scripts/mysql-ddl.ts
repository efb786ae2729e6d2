/**
 * The CREATE script of a MySQL/MariaDB schema, rendered from its DMMF. Prisma's wasm schema engine
 * refuses MySQL adapters ("Unsupported adapter provider: Mysql") and the native engine cannot be
 * downloaded offline, so the test bed renders the DDL itself, the way Prisma's MySQL connector
 * does for the types the shop uses (VARCHAR(191) strings, DATETIME(3), ENUM columns, implicit
 * many-to-many tables `_AToB` with columns A and B). test/unit/schema-sql.test.ts checks the
 * rendered script is committed, and that a database created from it has exactly the columns,
 * keys and referential actions the DMMF describes.
 */
import { get_dmmf } from '@prisma/prisma-schema-wasm'

interface Field {
  name: string
  dbName?: string | null
  kind: 'scalar' | 'object' | 'enum' | 'unsupported'
  type: string
  isList: boolean
  isRequired: boolean
  isId: boolean
  isUnique: boolean
  hasDefaultValue: boolean
  default?: unknown
  nativeType?: [string, string[]] | null
  relationName?: string
  relationFromFields?: string[]
  relationToFields?: string[]
  relationOnDelete?: string
  relationOnUpdate?: string
}
interface Model {
  name: string
  dbName: string | null
  fields: Field[]
  primaryKey: { name: string | null; fields: string[] } | null
  uniqueIndexes: { name: string | null; fields: string[] }[]
}
interface Dmmf {
  datamodel: { models: Model[]; enums: { name: string; values: { name: string; dbName?: string | null }[] }[] }
}

const q = (name: string) => '`' + name.replace(/`/g, '``') + '`'
const ACTION: Record<string, string> = { Cascade: 'CASCADE', SetNull: 'SET NULL', SetDefault: 'SET DEFAULT', Restrict: 'RESTRICT', NoAction: 'NO ACTION' }
const TABLE_OPTIONS = 'DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'

/** The MySQL DDL creating `schema`'s tables; foreign keys are left out under `relationMode = "prisma"`. */
export function mysqlCreateScript(schema: string): string {
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: schema }))) as Dmmf
  const foreignKeys = !/^\s*relationMode\s*=\s*"prisma"/m.test(schema)
  const enums = new Map(dmmf.datamodel.enums.map((e) => [e.name, e.values.map((v) => v.dbName ?? v.name)]))
  const models = new Map(dmmf.datamodel.models.map((m) => [m.name, m]))
  const table = (m: Model) => m.dbName ?? m.name
  const column = (f: Field) => f.dbName ?? f.name
  const parts: string[] = []
  const constraints: string[] = []

  for (const model of dmmf.datamodel.models) {
    const lines: string[] = []
    const scalars = model.fields.filter((f) => f.kind !== 'object')
    for (const field of scalars) lines.push(`    ${q(column(field))} ${columnType(field, enums)}${field.isRequired ? ' NOT NULL' : ' NULL'}${defaultClause(field)}`)
    lines.push('')
    for (const field of scalars.filter((f) => f.isUnique)) lines.push(`    UNIQUE INDEX ${q(`${table(model)}_${column(field)}_key`)}(${q(column(field))}),`)
    for (const index of model.uniqueIndexes) {
      const columns = index.fields.map((name) => column(model.fields.find((f) => f.name === name)!))
      lines.push(`    UNIQUE INDEX ${q(index.name ?? `${table(model)}_${columns.join('_')}_key`)}(${columns.map(q).join(', ')}),`)
    }
    if (!foreignKeys) {
      for (const field of model.fields.filter((f) => f.relationFromFields?.length)) {
        const columns = field.relationFromFields!.map((name) => column(model.fields.find((f) => f.name === name)!))
        const covered = model.fields.some((f) => f.isUnique && columns.length === 1 && column(f) === columns[0]) || model.uniqueIndexes.some((i) => i.fields[0] === field.relationFromFields![0])
        if (!covered) lines.push(`    INDEX ${q(`${table(model)}_${columns.join('_')}_idx`)}(${columns.map(q).join(', ')}),`)
      }
    }
    const idFields = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name)
    lines.push(`    PRIMARY KEY (${idFields.map((name) => q(column(model.fields.find((f) => f.name === name)!))).join(', ')})`)
    const body = lines.map((line, i) => (line === '' || i === lines.length - 1 || line.endsWith(',') ? line : line + ',')).join('\n')
    parts.push(`-- CreateTable\nCREATE TABLE ${q(table(model))} (\n${body}\n) ${TABLE_OPTIONS};\n`)

    for (const field of model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
      const target = models.get(field.type)!
      const from = field.relationFromFields!.map((name) => column(model.fields.find((f) => f.name === name)!))
      const to = field.relationToFields!.map((name) => column(target.fields.find((f) => f.name === name)!))
      const required = field.relationFromFields!.every((name) => model.fields.find((f) => f.name === name)!.isRequired)
      const onDelete = ACTION[field.relationOnDelete ?? (required ? 'Restrict' : 'SetNull')]
      const onUpdate = ACTION[field.relationOnUpdate ?? 'Cascade']
      constraints.push(
        `-- AddForeignKey\nALTER TABLE ${q(table(model))} ADD CONSTRAINT ${q(`${table(model)}_${from.join('_')}_fkey`)} FOREIGN KEY (${from.map(q).join(', ')}) REFERENCES ${q(table(target))}(${to.map(q).join(', ')}) ON DELETE ${onDelete} ON UPDATE ${onUpdate};\n`,
      )
    }
  }

  for (const link of implicitManyToMany(dmmf.datamodel.models)) {
    const name = `_${link.relationName}`
    const idType = (m: Model) => columnType(m.fields.find((f) => f.isId)!, enums)
    parts.push(
      `-- CreateTable\nCREATE TABLE ${q(name)} (\n    ${q('A')} ${idType(link.a)} NOT NULL,\n    ${q('B')} ${idType(link.b)} NOT NULL,\n\n    UNIQUE INDEX ${q(`${name}_AB_unique`)}(${q('A')}, ${q('B')}),\n    INDEX ${q(`${name}_B_index`)}(${q('B')})\n) ${TABLE_OPTIONS};\n`,
    )
    if (foreignKeys) {
      for (const [side, model] of [['A', link.a], ['B', link.b]] as const) {
        const id = column(model.fields.find((f) => f.isId)!)
        constraints.push(`-- AddForeignKey\nALTER TABLE ${q(name)} ADD CONSTRAINT ${q(`${name}_${side}_fkey`)} FOREIGN KEY (${q(side)}) REFERENCES ${q(table(model))}(${q(id)}) ON DELETE CASCADE ON UPDATE CASCADE;\n`)
      }
    }
  }
  return [...parts, ...constraints].join('\n')
}

/** Implicit many-to-many relations: column A points at the model whose name sorts first. */
function implicitManyToMany(models: Model[]): { relationName: string; a: Model; b: Model }[] {
  const byName = new Map(models.map((m) => [m.name, m]))
  const seen = new Map<string, { relationName: string; a: Model; b: Model }>()
  for (const model of models) {
    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.isList || !field.relationName || seen.has(field.relationName)) continue
      const other = byName.get(field.type)!
      const sides = [...model.fields, ...(other === model ? [] : other.fields)].filter((f) => f.kind === 'object' && f.relationName === field.relationName)
      if (sides.length !== 2 || !sides.every((f) => f.isList)) continue
      const [a, b] = [model, other].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
      seen.set(field.relationName, { relationName: field.relationName, a: a!, b: b! })
    }
  }
  return [...seen.values()]
}

function columnType(field: Field, enums: Map<string, string[]>): string {
  if (field.kind === 'enum') return `ENUM(${enums.get(field.type)!.map((v) => `'${v}'`).join(', ')})`
  if (field.nativeType) {
    const [name, args] = field.nativeType
    return `${name.toUpperCase()}${args.length ? `(${args.join(', ')})` : ''}`
  }
  switch (field.type) {
    case 'Int':
      return 'INTEGER'
    case 'BigInt':
      return 'BIGINT'
    case 'String':
      return 'VARCHAR(191)'
    case 'Boolean':
      return 'BOOLEAN'
    case 'DateTime':
      return 'DATETIME(3)'
    case 'Decimal':
      return 'DECIMAL(65, 30)'
    case 'Float':
      return 'DOUBLE'
    case 'Bytes':
      return 'LONGBLOB'
    case 'Json':
      return 'JSON'
    default:
      throw new Error(`mysql-ddl: no column type for ${field.type}`)
  }
}

function defaultClause(field: Field): string {
  if (!field.hasDefaultValue) return ''
  const value = field.default
  if (value && typeof value === 'object' && 'name' in value) {
    const fn = (value as { name: string }).name
    if (fn === 'autoincrement') return ' AUTO_INCREMENT'
    if (fn === 'now') return ' DEFAULT CURRENT_TIMESTAMP(3)'
    return '' // cuid(), uuid() and friends are filled in by Prisma, not the database
  }
  if (typeof value === 'boolean') return ` DEFAULT ${value}`
  if (typeof value === 'number') return ` DEFAULT ${value}`
  if (typeof value === 'string') return field.type === 'BigInt' || field.type === 'Int' || field.type === 'Decimal' || field.type === 'Float' ? ` DEFAULT ${value}` : ` DEFAULT '${value.replace(/'/g, "''")}'`
  throw new Error(`mysql-ddl: unsupported default on ${field.name}`)
}
