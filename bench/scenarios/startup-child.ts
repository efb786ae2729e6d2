/**
 * One fresh process of the start-up scenario (bench/scenarios/startup.ts). `argv[2]` says what to
 * time; prints one JSON line of milliseconds. `PQC_ENTRY` may point at another checkout's
 * src/index.ts to time an older version the same way.
 */
import { readFileSync } from 'node:fs'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../../test/generated/prisma/client.js'

const mode = process.argv[2]
const databaseUrl = process.env.DATABASE_URL!
const since = (start: number) => performance.now() - start

async function raw(): Promise<Record<string, number>> {
  let t = performance.now()
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) })
  const createMs = since(t)
  t = performance.now()
  await prisma.user.findUnique({ where: { id: 1 } })
  const firstQueryMs = since(t)
  await prisma.$disconnect()
  return { createMs, firstQueryMs }
}

async function extended(): Promise<Record<string, number>> {
  const { cacheExtension } = (await import(process.env.PQC_ENTRY ?? '../../src/index.js')) as typeof import('../../src/index.js')
  let t = performance.now()
  const base = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) })
  const createMs = since(t)
  t = performance.now()
  const prisma = base.$extends(cacheExtension())
  const extendsMs = since(t)
  t = performance.now()
  await prisma.user.findUnique({ where: { id: 1 }, cache: true })
  const firstQueryMs = since(t)
  t = performance.now()
  const second = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) }).$extends(cacheExtension())
  const secondExtendsMs = since(t)
  await Promise.all([base.$disconnect(), second.$disconnect()])
  return { createMs, extendsMs, firstQueryMs, secondExtendsMs }
}

/** The schema parse alone: get_dmmf (what every `$extends` ran before) or get_datamodel (what the first one runs now). */
async function parse(fn: 'get_dmmf' | 'get_datamodel'): Promise<Record<string, number>> {
  const schema = readFileSync(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8')
  let t = performance.now()
  const wasm = await import('@prisma/prisma-schema-wasm')
  const loadMs = since(t)
  t = performance.now()
  JSON.parse(wasm[fn](JSON.stringify({ prismaSchema: schema })))
  return { loadMs, parseMs: since(t) }
}

const result = mode === 'raw' ? await raw() : mode === 'pqc' ? await extended() : await parse(mode === 'parse-dmmf' ? 'get_dmmf' : 'get_datamodel')
process.stdout.write(JSON.stringify(result) + '\n')
