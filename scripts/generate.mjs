// Generates the Prisma clients the tests, demo and benchmarks use: one per schema of the test bed
// (prisma/schema.prisma → test/generated/prisma, prisma/<name>/schema.prisma → test/generated/<name>).
// Offline machines cannot download Prisma's native schema engine, and generation does not need
// it: pointing PRISMA_SCHEMA_ENGINE_BINARY at /bin/true lets `prisma generate` run on the wasm
// engines alone. Skips each client that already matches its schema; generates the others in parallel.
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const prismaVersion = JSON.parse(readFileSync(join(root, 'node_modules/prisma/package.json'), 'utf8')).version
const schemas = [
  join(root, 'prisma/schema.prisma'),
  ...readdirSync(join(root, 'prisma'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'prisma', entry.name, 'schema.prisma')))
    .map((entry) => join(root, 'prisma', entry.name, 'schema.prisma')),
]

function generate(schemaPath) {
  const schema = readFileSync(schemaPath, 'utf8')
  const output = /output\s*=\s*"([^"]+)"/.exec(schema)?.[1]
  if (!output) throw new Error(`${schemaPath}: the generator has no output folder`)
  const stamp = createHash('sha256').update(schema).update(prismaVersion).digest('hex')
  const stampFile = join(resolve(dirname(schemaPath), output), '.schema-hash')
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return Promise.resolve(0)

  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/prisma/build/index.js'), 'generate', '--schema', schemaPath], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    })
    const out = []
    child.stdout.on('data', (chunk) => out.push(chunk))
    child.stderr.on('data', (chunk) => out.push(chunk))
    child.on('close', (status) => {
      if (status === 0) writeFileSync(stampFile, stamp)
      else process.stderr.write(Buffer.concat(out))
      done(status ?? 1)
    })
  })
}

const statuses = await Promise.all(schemas.map(generate))
process.exit(statuses.find((status) => status !== 0) ?? 0)
