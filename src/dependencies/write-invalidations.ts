/**
 * What a write changes: its model (one row when addressed by a unique key, every row for bulk
 * writes), every model touched by nested writes at any depth, every model changed by referential
 * actions (transitively), and implicit many-to-many join tables.
 */
import { isObject } from './read-dependencies.js'
import type { ModelInfo, SchemaGraph } from './schema-graph.js'
import { allRowsTag, modelTag, primaryKeyOf, rowTag, spelledLoosely } from './tags.js'

const BULK = new Set(['updateMany', 'updateManyAndReturn', 'deleteMany'])
const BY_UNIQUE = new Set(['update', 'upsert', 'delete'])
const DELETES = new Set(['delete', 'deleteMany'])
const UPDATES = new Set(['update', 'updateMany', 'updateManyAndReturn', 'upsert'])

/** The tags a write on `model` invalidates, given its args and (when it ran) its result. */
export function writeInvalidations(graph: SchemaGraph, model: string, operation: string, args: Record<string, unknown> | undefined, result?: unknown): string[] {
  const out = new Set<string>([modelTag(model)])
  const info = graph.models.get(model)
  if (!info) {
    out.add(allRowsTag(model))
    return [...out]
  }
  if (BULK.has(operation)) out.add(allRowsTag(model))
  if (BY_UNIQUE.has(operation)) addRowTags(info, args, result, out)
  if (DELETES.has(operation)) cascade(graph, info, 'delete', out, new Set())
  if (UPDATES.has(operation) && touchesReferencedFields(graph, info, args)) cascade(graph, info, 'update', out, new Set())
  walkData(graph, info, args?.data, out)
  walkData(graph, info, args?.create, out)
  walkData(graph, info, args?.update, out)
  return [...out]
}

/** Every tag of every model: what raw SQL invalidates when its tables are unknown. */
export function everything(graph: SchemaGraph): string[] {
  const out = new Set<string>()
  for (const model of graph.models.values()) {
    out.add(modelTag(model.name)).add(allRowsTag(model.name))
    for (const relation of model.relations.values()) if (relation.linkTag) out.add(relation.linkTag)
  }
  return [...out]
}

function addRowTags(info: ModelInfo, args: Record<string, unknown> | undefined, result: unknown, out: Set<string>): void {
  const fromWhere = primaryKeyOf(args?.where, info.idFields, info.idWhereKey)
  const fromResult = primaryKeyOf(result, info.idFields)
  const changesId = info.idFields?.some((f) => isObject(args?.data) && f in args.data) ?? true
  // A string key only in `where` (select or omit left it out of the result) may be spelled unlike
  // the stored row's, whose tag the row's entries carry: then no row tag is known to be the one.
  const unconfirmed = fromResult === undefined && spelledLoosely(fromWhere)
  if ((fromWhere === undefined && fromResult === undefined) || changesId || unconfirmed) out.add(allRowsTag(info.name))
  if (fromWhere !== undefined) out.add(rowTag(info.name, fromWhere))
  if (fromResult !== undefined) out.add(rowTag(info.name, fromResult))
}

/** Models whose rows change when rows of `info` are deleted or have their keys updated. */
function cascade(graph: SchemaGraph, info: ModelInfo, kind: 'delete' | 'update', out: Set<string>, seen: Set<string>): void {
  if (seen.has(info.name)) return
  seen.add(info.name)
  for (const relation of info.relations.values()) if (relation.linkTag) out.add(relation.linkTag)
  for (const other of graph.models.values()) {
    for (const relation of other.relations.values()) {
      if (relation.target !== info.name || relation.holdsForeignKey === false) continue
      const action = graph.precise ? (kind === 'delete' ? relation.onDelete : relation.onUpdate) : 'Cascade'
      if (action !== 'Cascade' && action !== 'SetNull' && action !== 'SetDefault') continue
      out.add(modelTag(other.name)).add(allRowsTag(other.name))
      if (action === 'Cascade') cascade(graph, other, kind, out, seen)
    }
  }
}

function touchesReferencedFields(graph: SchemaGraph, info: ModelInfo, args: Record<string, unknown> | undefined): boolean {
  if (!graph.precise) return true
  const data = [args?.data, args?.update].filter(isObject)
  if (data.length === 0) return false
  for (const other of graph.models.values()) {
    for (const relation of other.relations.values()) {
      if (relation.target !== info.name || !relation.holdsForeignKey) continue
      if (relation.referencedFields.some((f) => data.some((d) => f in d))) return true
    }
  }
  return false
}

const KEEPS_TARGET_ROWS = new Set(['connect', 'disconnect'])

function walkData(graph: SchemaGraph, info: ModelInfo, data: unknown, out: Set<string>): void {
  if (Array.isArray(data)) return data.forEach((d) => walkData(graph, info, d, out))
  if (!isObject(data)) return
  for (const [key, ops] of Object.entries(data)) {
    const relation = info.relations.get(key)
    const target = relation && graph.models.get(relation.target)
    if (!relation || !target || !isObject(ops)) continue
    if (relation.linkTag) out.add(relation.linkTag)
    const onlyRelinks = Object.keys(ops).every((op) => KEEPS_TARGET_ROWS.has(op))
    if (!(onlyRelinks && relation.holdsForeignKey === true)) out.add(modelTag(target.name)).add(allRowsTag(target.name))
    for (const [op, value] of Object.entries(ops)) nestedOperation(graph, target, op, value, out)
  }
}

function nestedOperation(graph: SchemaGraph, target: ModelInfo, op: string, value: unknown, out: Set<string>): void {
  const items = Array.isArray(value) ? value : [value]
  for (const item of items) {
    if (op === 'create') walkData(graph, target, item, out)
    else if (op === 'connectOrCreate' && isObject(item)) walkData(graph, target, item.create, out)
    else if (op === 'upsert' && isObject(item)) {
      walkData(graph, target, item.create, out)
      walkData(graph, target, item.update, out)
      rekeyed(graph, target, item.update, out)
    } else if (op === 'update' && isObject(item)) {
      // To-many: `{ where, data }`; to-one: the data itself, or `{ where?, data }`.
      const data = isObject(item.data) ? item.data : item
      walkData(graph, target, data, out)
      rekeyed(graph, target, data, out)
    } else if (op === 'updateMany' && isObject(item)) rekeyed(graph, target, item.data, out)
    else if (op === 'delete' || op === 'deleteMany') cascade(graph, target, 'delete', out, new Set())
  }
}

/** What `onUpdate` actions reach when a nested update's `data` changes a key other rows reference. */
function rekeyed(graph: SchemaGraph, target: ModelInfo, data: unknown, out: Set<string>): void {
  if (touchesReferencedFields(graph, target, { data })) cascade(graph, target, 'update', out, new Set())
}

/**
 * What a bulk write of unknown shape to `model`'s table changes (raw SQL): every row of the
 * model, and what referential actions reach from deleted or re-keyed rows.
 */
export function tableWriteInvalidations(graph: SchemaGraph, model: string, kind: 'update' | 'delete'): string[] {
  const out = new Set<string>([modelTag(model), allRowsTag(model)])
  const info = graph.models.get(model)
  if (info) cascade(graph, info, kind, out, new Set())
  return [...out]
}
