// Generates the Prisma client the tests, demo and benchmarks use (test/generated/prisma).
// Offline machines cannot download Prisma's native schema engine, and generation does not need
// it: pointing PRISMA_SCHEMA_ENGINE_BINARY at /bin/true lets `prisma generate` run on the wasm
// engines alone. Skips the work when the client already matches the schema.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const schema = readFileSync(join(root, 'prisma/schema.prisma'))
const prismaVersion = JSON.parse(readFileSync(join(root, 'node_modules/prisma/package.json'), 'utf8')).version
const stamp = createHash('sha256').update(schema).update(prismaVersion).digest('hex')
const stampFile = join(root, 'test/generated/prisma/.schema-hash')

if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) process.exit(0)

const result = spawnSync(process.execPath, [join(root, 'node_modules/prisma/build/index.js'), 'generate'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
})
if (result.status !== 0) {
  process.stderr.write(result.stdout)
  process.stderr.write(result.stderr)
  process.exit(result.status ?? 1)
}
writeFileSync(stampFile, stamp)
