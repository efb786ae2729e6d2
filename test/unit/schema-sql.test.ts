import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { createScript, schemaSqlPath } from '../../scripts/schema-sql.js'

it('prisma/schema.sql is what the schema engine computes for prisma/schema.prisma (rerun scripts/schema-sql.ts if not)', async () => {
  expect(readFileSync(schemaSqlPath, 'utf8')).toBe(await createScript())
})
