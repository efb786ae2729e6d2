/**
 * Cached reads: any of the eight read operations on any model, built from the model's read shapes.
 */
import fc from 'fast-check'
import type { Args, ModelName, ReadOperation, ReadRef, ReadSpec } from '../operations.js'
import { readShapes, type ReadShape } from './read-shapes.js'
import type { Values } from './values.js'

const MODELS: ModelName[] = ['user', 'profile', 'category', 'product', 'order', 'orderItem', 'post', 'tag']

/** A projection (`include`/`select`) two times out of three: relations are where invalidation gets subtle. */
function projection(shape: ReadShape): fc.Arbitrary<Args> {
  return fc.oneof({ weight: 1, arbitrary: fc.constant({}) }, { weight: 2, arbitrary: fc.constantFrom(...shape.projections) })
}

function argsFor(shape: ReadShape, op: ReadOperation): fc.Arbitrary<Args> {
  switch (op) {
    case 'findUnique':
    case 'findUniqueOrThrow':
      return fc.tuple(shape.unique, projection(shape)).map(([where, p]) => ({ where, ...p }))
    case 'findFirst':
    case 'findFirstOrThrow':
      return fc.tuple(shape.wheres, fc.constantFrom(...shape.orderBys), projection(shape), fc.integer({ min: 0, max: 2 }))
        .map(([where, orderBy, p, skip]) => ({ where, orderBy, ...p, ...(skip > 0 && { skip }) }))
    case 'findMany':
      return fc.tuple(shape.wheres, fc.constantFrom(...shape.orderBys), projection(shape), fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }))
        .map(([where, orderBy, p, take]) => ({ where, orderBy, ...p, ...(take !== undefined && { take }) }))
    case 'count':
      return fc.tuple(shape.wheres, fc.boolean()).map(([where, fields]) => ({ where, ...(fields && { select: { _all: true, id: true } }) }))
    case 'aggregate':
      return fc.tuple(shape.wheres, fc.constantFrom(...shape.aggregates)).map(([where, aggregate]) => ({ where, ...aggregate }))
    case 'groupBy':
      return fc.tuple(shape.wheres, fc.constantFrom(...shape.groupBys)).map(([where, groupBy]) => ({ where, ...groupBy }))
  }
}

/** A cached read on any model, with any read operation. */
export function readArbitrary(v: Values): fc.Arbitrary<ReadSpec> {
  const shapes = readShapes(v)
  const perModel = MODELS.map((model) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom<ReadOperation>('findUnique', 'findUniqueOrThrow') },
      { weight: 3, arbitrary: fc.constantFrom<ReadOperation>('findFirst', 'findFirstOrThrow', 'findMany') },
      { weight: 2, arbitrary: fc.constantFrom<ReadOperation>('count', 'aggregate', 'groupBy') },
    ).chain((op) => argsFor(shapes[model], op).map((args): ReadSpec => ({ model, op, args }))),
  )
  return fc.tuple(fc.oneof(...perModel), fc.integer({ min: 0, max: 4 })).map(([read, n]) => (n === 0 ? { ...read, swr: true } : read))
}

/** A fresh read or (with weight `replayWeight`) a replay of one of the run's recent reads. */
export function readRefArbitrary(reads: fc.Arbitrary<ReadSpec>, replayWeight: number): fc.Arbitrary<ReadRef> {
  return fc.oneof(
    { weight: 10 - replayWeight, arbitrary: reads },
    { weight: replayWeight, arbitrary: fc.integer({ min: 0, max: 15 }).map((replay) => ({ replay })) },
  )
}
