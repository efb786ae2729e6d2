/**
 * The data model as the cache needs it: relations with their foreign-key side and referential
 * actions, primary keys, implicit many-to-many links. Built from the full DMMF when the schema
 * text is available (Prisma 7 keeps it in the client's engine config), otherwise from the thin
 * runtime data model, in which case every relation is assumed to cascade and row precision is off.
 *
 * Parsing is the biggest part of creating an extended client, so it is done once per schema text
 * per process (a few graphs kept, for apps with several schemas), and through `get_datamodel`,
 * which returns only the data model: `get_dmmf` also renders the whole query schema (about 50
 * times more JSON here) and costs around ten times as long.
 */
import * as schemaWasm from '@prisma/prisma-schema-wasm'

/** A referential action as Prisma names it. */
export type ReferentialAction = 'Cascade' | 'SetNull' | 'SetDefault' | 'Restrict' | 'NoAction'

/** One relation field of a model. */
export interface RelationInfo {
  /** The related model. */
  target: string
  /** True when this model's row holds the foreign key; undefined when unknown. */
  holdsForeignKey: boolean | undefined
  /** Fields of the other model this relation's foreign key points at (on the holding side). */
  referencedFields: string[]
  onDelete: ReferentialAction | undefined
  onUpdate: ReferentialAction | undefined
  /** Tag of the implicit many-to-many join table, when the relation is one. */
  linkTag: string | undefined
}

/** One model. */
export interface ModelInfo {
  name: string
  /** Table name in the database (`@@map`), for matching raw SQL. */
  dbName: string
  /** Database schema of the table (`@@schema`, multiSchema); undefined when the schema does not say. */
  schema: string | undefined
  relations: Map<string, RelationInfo>
  /** Primary key fields; undefined when the data model does not say. */
  idFields: string[] | undefined
  /** The key of the primary key in a `WhereUniqueInput` (`id`, or `a_b` for compound ids). */
  idWhereKey: string | undefined
}

/** All models, plus whether the referential actions are known. */
export interface SchemaGraph {
  models: Map<string, ModelInfo>
  /** False when built from the thin runtime model: cascades are assumed everywhere. */
  precise: boolean
  /** The datasource provider (`postgresql`, `mysql`, `sqlite`, ...), for reading raw SQL; undefined when unknown. */
  provider?: string
}

interface DmmfField {
  name: string
  kind: string
  type: string
  isList?: boolean
  isRequired?: boolean
  isId?: boolean
  relationName?: string
  relationFromFields?: string[]
  relationToFields?: string[]
  relationOnDelete?: ReferentialAction
  relationOnUpdate?: ReferentialAction
}
interface DmmfModel {
  name: string
  dbName?: string | null
  schema?: string | null
  fields: DmmfField[]
  primaryKey?: { name?: string | null; fields: string[] } | null
}

/** How many parsed schemas a process keeps (an app rarely has more than one or two). */
const CACHED_GRAPHS = 8
const graphsBySchema = new Map<string, SchemaGraph>()

/**
 * Builds the graph from the schema text when present, else from the runtime data model. Graphs
 * of schema texts are shared by every client of that schema in the process; treat them as
 * read-only.
 */
export function buildSchemaGraph(schemaText: string | undefined, runtimeModels: Record<string, { fields: DmmfField[]; dbName?: string | null }>): SchemaGraph {
  if (schemaText) {
    const cached = graphsBySchema.get(schemaText)
    if (cached) return cached
    const models = parseSchema(schemaText)
    if (models) {
      const graph: SchemaGraph = { models: indexModels(models, true), precise: true, provider: providerOf(schemaText) }
      if (graphsBySchema.size >= CACHED_GRAPHS) graphsBySchema.delete(graphsBySchema.keys().next().value!)
      graphsBySchema.set(schemaText, graph)
      return graph
    }
  }
  const thin = Object.entries(runtimeModels).map(([name, m]) => ({ name, dbName: m.dbName ?? null, fields: m.fields }))
  return { models: indexModels(thin, false), precise: false }
}

/** The schema's models, or undefined when the parser rejects the text. */
function parseSchema(schemaText: string): DmmfModel[] | undefined {
  const params = JSON.stringify({ prismaSchema: schemaText })
  try {
    // Older parser builds (the dependency range admits every Prisma 7 release's) may lack get_datamodel.
    if (typeof schemaWasm.get_datamodel === 'function') return (JSON.parse(schemaWasm.get_datamodel(params)) as { models: DmmfModel[] }).models
    return (JSON.parse(schemaWasm.get_dmmf(params)) as { datamodel: { models: DmmfModel[] } }).datamodel.models
  } catch {
    return undefined
  }
}

/** The datasource's provider, as Prisma's config parser reads it. */
function providerOf(schemaText: string): string | undefined {
  try {
    const config = JSON.parse(schemaWasm.get_config(JSON.stringify({ prismaSchema: schemaText, datasourceOverrides: {}, ignoreEnvVarErrors: true, env: {} }))) as {
      config?: { datasources?: { activeProvider?: string }[] }
    }
    return config.config?.datasources?.[0]?.activeProvider
  } catch {
    return undefined
  }
}

function indexModels(models: DmmfModel[], precise: boolean): Map<string, ModelInfo> {
  const byName = new Map<string, DmmfModel>(models.map((m) => [m.name, m]))
  const out = new Map<string, ModelInfo>()
  for (const model of models) {
    const relations = new Map<string, RelationInfo>()
    for (const field of model.fields) {
      if (field.kind === 'object' && byName.has(field.type)) relations.set(field.name, relationOf(model, field, byName, precise))
    }
    const idFields = precise ? idFieldsOf(model) : undefined
    out.set(model.name, {
      name: model.name,
      dbName: model.dbName ?? model.name,
      schema: model.schema ?? undefined,
      relations,
      idFields,
      idWhereKey: idFields && (model.primaryKey?.name ?? idFields.join('_')),
    })
  }
  return out
}

function relationOf(model: DmmfModel, field: DmmfField, byName: Map<string, DmmfModel>, precise: boolean): RelationInfo {
  const other = byName.get(field.type)!.fields.find((f) => f.relationName === field.relationName && !(f.name === field.name && field.type === model.name))
  const isManyToMany = Boolean(field.isList && other?.isList)
  const holds = precise ? (field.relationFromFields?.length ?? 0) > 0 : undefined
  return {
    target: field.type,
    holdsForeignKey: isManyToMany ? false : holds,
    referencedFields: field.relationToFields ?? [],
    onDelete: holds ? (field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull')) : undefined,
    onUpdate: holds ? (field.relationOnUpdate ?? 'Cascade') : undefined,
    linkTag: isManyToMany ? linkTagOf(field.relationName ?? '') : undefined,
  }
}

function idFieldsOf(model: DmmfModel): string[] | undefined {
  if (model.primaryKey?.fields.length) return model.primaryKey.fields
  const ids = model.fields.filter((f) => f.isId).map((f) => f.name)
  return ids.length > 0 ? ids : undefined
}

/** Tag of an implicit many-to-many join table (`_PostToTag`). */
export function linkTagOf(relationName: string): string {
  return `m:_${relationName}`
}
