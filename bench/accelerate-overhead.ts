/**
 * What withAccelerate()'s layer costs on an in-memory hit: `npx tsx bench/accelerate-overhead.ts`
 * times 50,000 sequential findUnique hits, three rounds, on cacheExtension (`cache`) and on
 * withAccelerate (`cacheStrategy`, then `cache`), each on its own memory store, in a database
 * of its own on the test server (DATABASE_URL). Compare rows of the same round only.
 */
import { cacheExtension, memoryStore } from '../src/index.js'
import { withAccelerate } from '../src/accelerate/index.js'
import { createTestDatabase } from '../test/helpers/database.js'

const db = await createTestDatabase()
for (let i = 0; i < 50; i++) await db.prisma.user.create({ data: { email: `u${i}@x`, name: `u${i}` } })
const ids = (await db.prisma.user.findMany({ select: { id: true } })).map((u) => u.id)
const plain = db.prisma.$extends(cacheExtension({ store: memoryStore(), ttl: 3600 }))
const acc = db.prisma.$extends(withAccelerate({ store: memoryStore(), ttl: 3600 }))
const N = 50_000
async function run(label: string, read: (id: number) => PromiseLike<unknown>) {
  for (const id of ids) await read(id)
  db.executions.reset()
  const t = process.hrtime.bigint()
  for (let i = 0; i < N; i++) await read(ids[i % ids.length]!)
  const us = Number(process.hrtime.bigint() - t) / 1000 / N
  console.log(`${label}: ${us.toFixed(2)} µs per hit (db executions during loop: ${db.executions.total})`)
}
for (let round = 0; round < 3; round++) {
  await run('cacheExtension  cache: { ttl: 60 }            ', (id) => plain.user.findUnique({ where: { id }, cache: { ttl: 60 } }))
  await run('withAccelerate  cacheStrategy: { ttl: 60 }    ', (id) => acc.user.findUnique({ where: { id }, cacheStrategy: { ttl: 60 } }))
  await run('withAccelerate  cache: { ttl: 60 }            ', (id) => acc.user.findUnique({ where: { id }, cache: { ttl: 60 } }))
}
await db.drop()
