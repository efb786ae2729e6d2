/**
 * Computes the SQL that creates prisma/schema.prisma's tables, with Prisma's wasm schema engine
 * (the native one, which `migrate`/`db push` need, cannot be downloaded offline). Run as a script
 * it rewrites prisma/schema.sql; test/unit/schema-sql.test.ts fails when the committed file no
 * longer matches the schema.
 *
 *   npx tsx scripts/schema-sql.ts
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const schemaPrismaPath = join(root, 'prisma/schema.prisma')
export const schemaSqlPath = join(root, 'prisma/schema.sql')

/** The slice of the WebAssembly global this script uses (the ES2023 lib does not declare it). */
interface Wasm {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: Record<string, unknown> } }>
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: Wasm }

interface SchemaEngine {
  diff(params: unknown): Promise<{ stdout: string }>
}

/** Instantiates the wasm engine by hand: its package expects a bundler to import the .wasm file. */
async function loadEngineModule(): Promise<{ SchemaEngine: { new: (...args: unknown[]) => Promise<SchemaEngine> } }> {
  const require = createRequire(import.meta.url)
  const dir = dirname(require.resolve('@prisma/schema-engine-wasm'))
  const bg = (await import(pathToFileURL(join(dir, 'schema_engine_bg.js')).href)) as Record<string, unknown> & {
    __wbg_set_wasm(exports: Record<string, unknown>): void
  }
  const { instance } = await wasm.instantiate(readFileSync(join(dir, 'schema_engine_bg.wasm')), {
    './schema_engine_bg.js': bg,
  })
  bg.__wbg_set_wasm(instance.exports)
  ;(instance.exports.__wbindgen_start as () => void)()
  return bg as unknown as { SchemaEngine: { new: (...args: unknown[]) => Promise<SchemaEngine> } }
}

/** The CREATE script for `schema`, diffed from an empty database. */
export async function createScript(
  schema = readFileSync(schemaPrismaPath, 'utf8'),
  connectionString = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
): Promise<string> {
  const { SchemaEngine } = await loadEngineModule()
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }))
  const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, adapterFactory)
  const result = await engine.diff({
    from: { tag: 'empty' },
    to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
    script: true,
    shadowDatabaseUrl: null,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  })
  return result.stdout
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaSqlPath, await createScript())
  console.log(`wrote ${schemaSqlPath}`)
}
