/**
 * What a read depends on: its model, every model its `include`/`select` reaches (nested, `_count`
 * included), every model named by relation filters in `where` and by relation `orderBy`, and the
 * join table of every implicit many-to-many relation it crosses.
 */
import type { ModelInfo, RelationInfo, SchemaGraph } from './schema-graph.js'
import { scopeReadTags, touchesScopedModel, type Scoping } from './scopes.js'
import { allRowsTag, modelTag, primaryKeyOf, rowTag } from './tags.js'

/** The tags of one read, decided before it runs. */
export interface ReadDependencies {
  /** Tags of the result when it is not a single row found by primary key. */
  tags: string[]
  /**
   * Set for a row-precise lookup: the primary key asked for (undefined when another unique field
   * was used: the row's tag is learned from the result) and the tags used when the row is found.
   */
  row?: { primaryKey: unknown; tags: string[] }
}

const ROW_LOOKUPS = new Set(['findUnique', 'findUniqueOrThrow'])

/**
 * Computes the dependencies of `operation` on `model` with `args`. With `scoping` (option
 * `scopedModels`), tags of scoped models get the variant of the read's scope (scopes.ts).
 */
export function readDependencies(
  graph: SchemaGraph,
  model: string,
  operation: string,
  args: Record<string, unknown> | undefined,
  precision: 'row' | 'model' = 'row',
  scoping?: Scoping,
): ReadDependencies {
  const deps = unscopedDependencies(graph, model, operation, args, precision)
  if (!touchesScopedModel([modelTag(model), ...deps.tags], scoping)) return deps
  const tags = scopeReadTags(deps.tags, scoping)
  // A lookup by another unique field learns its row tag after the query, unscoped: such an
  // entry of a scoped model depends on the whole model instead (a scoped write bumps only
  // scoped variants, which the learned tag would not have).
  if (!deps.row || (deps.row.primaryKey === undefined && scoping!.models.has(model))) return { tags }
  return { tags, row: { primaryKey: deps.row.primaryKey, tags: scopeReadTags(deps.row.tags, scoping) } }
}

function unscopedDependencies(
  graph: SchemaGraph,
  model: string,
  operation: string,
  args: Record<string, unknown> | undefined,
  precision: 'row' | 'model',
): ReadDependencies {
  const info = graph.models.get(model)
  const related = new Set<string>()
  if (info && args) {
    walkSelection(graph, info, args.include, related)
    walkSelection(graph, info, args.select, related)
    walkWhere(graph, info, args.where, related)
    walkOrderBy(graph, info, args.orderBy, related)
  }
  // A self-relation (referrer, parent) reaches other rows of the same model: a row-precise entry
  // then depends on the whole model too, or a write to another row would leave it stale.
  const reachesItself = related.delete(modelTag(model))
  const tags = [modelTag(model), ...related]
  if (!info || precision === 'model' || !ROW_LOOKUPS.has(operation)) return { tags }
  const primaryKey = primaryKeyOf(args?.where, info.idFields, info.idWhereKey)
  const own = primaryKey === undefined ? [allRowsTag(model)] : [allRowsTag(model), rowTag(model, primaryKey)]
  return { tags, row: { primaryKey, tags: [...own, ...(reachesItself ? [modelTag(model)] : []), ...related] } }
}

function addRelation(graph: SchemaGraph, relation: RelationInfo, out: Set<string>): ModelInfo | undefined {
  out.add(modelTag(relation.target))
  if (relation.linkTag) out.add(relation.linkTag)
  return graph.models.get(relation.target)
}

function walkSelection(graph: SchemaGraph, model: ModelInfo, selection: unknown, out: Set<string>): void {
  if (!isObject(selection)) return
  for (const [key, value] of Object.entries(selection)) {
    if (!value) continue
    if (key === '_count') {
      walkCount(graph, model, value, out)
      continue
    }
    const relation = model.relations.get(key)
    if (!relation) continue
    const target = addRelation(graph, relation, out)
    if (target && isObject(value)) walkNested(graph, target, value, out)
  }
}

function walkNested(graph: SchemaGraph, model: ModelInfo, args: Record<string, unknown>, out: Set<string>): void {
  walkSelection(graph, model, args.include, out)
  walkSelection(graph, model, args.select, out)
  walkWhere(graph, model, args.where, out)
  walkOrderBy(graph, model, args.orderBy, out)
}

function walkCount(graph: SchemaGraph, model: ModelInfo, value: unknown, out: Set<string>): void {
  const select = isObject(value) ? value.select : undefined
  if (!isObject(select)) {
    for (const relation of model.relations.values()) addRelation(graph, relation, out)
    return
  }
  for (const [key, filter] of Object.entries(select)) {
    const relation = filter ? model.relations.get(key) : undefined
    if (!relation) continue
    const target = addRelation(graph, relation, out)
    if (target && isObject(filter)) walkWhere(graph, target, filter.where, out)
  }
}

const RELATION_FILTERS = ['some', 'every', 'none', 'is', 'isNot']

function walkWhere(graph: SchemaGraph, model: ModelInfo, where: unknown, out: Set<string>): void {
  if (Array.isArray(where)) return where.forEach((w) => walkWhere(graph, model, w, out))
  if (!isObject(where)) return
  for (const [key, value] of Object.entries(where)) {
    if (key === 'AND' || key === 'OR' || key === 'NOT') {
      walkWhere(graph, model, value, out)
      continue
    }
    const relation = model.relations.get(key)
    if (!relation) continue
    const target = addRelation(graph, relation, out)
    if (!target || !isObject(value)) continue
    const nested = RELATION_FILTERS.filter((f) => f in value)
    if (nested.length === 0) walkWhere(graph, target, value, out)
    for (const filter of nested) walkWhere(graph, target, value[filter], out)
  }
}

function walkOrderBy(graph: SchemaGraph, model: ModelInfo, orderBy: unknown, out: Set<string>): void {
  if (Array.isArray(orderBy)) return orderBy.forEach((o) => walkOrderBy(graph, model, o, out))
  if (!isObject(orderBy)) return
  for (const [key, value] of Object.entries(orderBy)) {
    const relation = model.relations.get(key)
    if (!relation) continue
    const target = addRelation(graph, relation, out)
    if (target && isObject(value)) walkOrderBy(graph, target, value, out)
  }
}

/** True for a non-array object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
