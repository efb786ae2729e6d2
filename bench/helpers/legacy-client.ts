/**
 * The legacy `prisma-client-js` client of the shop schema, for the bench only.
 *
 * prisma-smart-cache reads the data model from `Prisma.dmmf` of whatever `@prisma/client`
 * resolves to, i.e. `.prisma/client`, the output of the legacy generator; the library and the
 * tests use the `prisma-client` generator, whose output `@prisma/client` never sees. So the bench
 * derives a second schema from prisma/schema.prisma (same models, generator swapped), generates it
 * offline into bench/generated/legacy-client (gitignored) and links
 * bench/peers/node_modules/.prisma/client to it. The instances still run on the bench's own
 * client: only the peer's data model comes from here.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const generatedDir = join(root, 'bench/generated')
const schemaFile = join(generatedDir, 'legacy.prisma')
const clientDir = join(generatedDir, 'legacy-client')
const stampFile = join(clientDir, '.schema-hash')
const linkDir = join(root, 'bench/peers/node_modules/.prisma/client')

const LEGACY_GENERATOR = 'generator client {\n  provider = "prisma-client-js"\n  output   = "./legacy-client"\n}'

/** The shop schema with its generator block replaced by the legacy one. */
function legacySchema(): string {
  const schema = readFileSync(join(root, 'prisma/schema.prisma'), 'utf8')
  const swapped = schema.replace(/generator\s+client\s*\{[^}]*\}/, LEGACY_GENERATOR)
  if (swapped === schema) throw new Error('no `generator client { ... }` block in prisma/schema.prisma')
  return swapped
}

/**
 * Generates the legacy client when missing or stale and links it where `@prisma/client` of
 * bench/peers looks. Returns why it could not, or undefined when the client is in place.
 */
export function ensureLegacyClient(): string | undefined {
  try {
    const schema = legacySchema()
    const prismaVersion = (JSON.parse(readFileSync(join(root, 'node_modules/prisma/package.json'), 'utf8')) as { version: string }).version
    const stamp = createHash('sha256').update(schema).update(prismaVersion).digest('hex')
    if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
      mkdirSync(generatedDir, { recursive: true })
      writeFileSync(schemaFile, schema)
      // Offline: generation needs only the wasm engines, not the native schema engine (see scripts/generate.mjs).
      const result = spawnSync(process.execPath, [join(root, 'node_modules/prisma/build/index.js'), 'generate', '--schema', schemaFile], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      })
      if (result.status !== 0) {
        const last = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${result.status}`
        return `legacy prisma-client-js generation failed: ${last}`
      }
      writeFileSync(stampFile, stamp)
    }
    linkClient()
    return undefined
  } catch (error) {
    return `legacy prisma-client-js client: ${String((error as Error).message ?? error).split('\n')[0]}`
  }
}

/** Points bench/peers/node_modules/.prisma/client at the generated client (a junction on Windows). */
function linkClient(): void {
  if (!existsSync(join(root, 'bench/peers/node_modules'))) throw new Error('bench/peers is not installed')
  try {
    if (resolve(join(linkDir, '..'), readlinkSync(linkDir)) === clientDir) return
  } catch {
    // not a link yet
  }
  rmSync(linkDir, { recursive: true, force: true })
  mkdirSync(join(linkDir, '..'), { recursive: true })
  symlinkSync(clientDir, linkDir, 'junction')
}
