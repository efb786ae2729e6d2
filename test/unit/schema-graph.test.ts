import { readFileSync } from 'node:fs'
import { get_datamodel, get_dmmf } from '@prisma/prisma-schema-wasm'
import { describe, expect, it } from 'vitest'
import { buildSchemaGraph } from '../../src/dependencies/schema-graph.js'

const schema = readFileSync(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8')

describe('the schema graph', () => {
  it('is parsed once per schema text: every client of that schema shares it', () => {
    const first = buildSchemaGraph(schema, {})
    expect(first.precise).toBe(true)
    expect(buildSchemaGraph(schema, {})).toBe(first)
    expect(buildSchemaGraph(`${schema}\n// another schema\n`, {})).not.toBe(first)
  })

  it('keeps a bounded number of schemas: the oldest is parsed again after eight others', () => {
    const text = (i: number) => `${schema}\n// variant ${i}\n`
    const oldest = buildSchemaGraph(text(0), {})
    expect(buildSchemaGraph(text(0), {})).toBe(oldest)
    for (let i = 1; i <= 8; i++) buildSchemaGraph(text(i), {})
    expect(buildSchemaGraph(text(0), {})).not.toBe(oldest)
  })

  it('reads the same data model through get_datamodel as the full DMMF carries (a parser upgrade must keep that)', () => {
    const params = JSON.stringify({ prismaSchema: schema })
    expect(JSON.parse(get_datamodel(params))).toEqual(JSON.parse(get_dmmf(params)).datamodel)
  })

  it('falls back to the runtime data model when the schema does not parse', () => {
    const graph = buildSchemaGraph('this is not a schema', { User: { fields: [] } })
    expect(graph.precise).toBe(false)
    expect([...graph.models.keys()]).toEqual(['User'])
  })
})
