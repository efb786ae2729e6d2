// providers: postgres — PostgreSQL row-level security
/**
 * Tenants. PostgreSQL row-level security decides which `"Order"` rows a request sees (a policy on
 * `app.tenant`; see rls-database.ts for the two ways the setting is made). With
 * `scope` the cache keeps each tenant's entries apart under any interleaving; with
 * `scopedModels`, one tenant's write invalidates only its own entries (and the unscoped ones),
 * while an unscoped write, or a write to a shared model, invalidates every tenant's.
 */
import { setImmediate as tick } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheExtension, CacheConfigError, memoryStore } from '../../src/index.js'
import { makeStore, STORE_KINDS, uniqueNamespace, type StoreKind } from '../helpers/cached-client.js'
import { asTenant, createRlsDatabase, requestContext, scopeOfRequest, type RlsDatabase } from '../helpers/rls-database.js'

let rls: RlsDatabase
const tenants: string[] = []
beforeAll(async () => {
  rls = await createRlsDatabase()
  for (let i = 0; i < 16; i++) {
    const user = await rls.db.prisma.user.create({ data: { email: `tenant${i}@example.com`, name: `Tenant ${i}` } })
    tenants.push(String(user.id))
    await rls.db.prisma.order.createMany({ data: Array.from({ length: 1 + (i % 3) }, (_, j) => ({ userId: user.id, total: `${i}.${j}0` })) })
  }
})
afterAll(() => rls?.drop())

/**
 * One cached client per tenant connection, all on one store and namespace (as the processes of
 * one app would be), the scope from AsyncLocalStorage. `prisma()` is the client of the current tenant.
 */
function cached(kind: StoreKind, options: { scopedModels?: string[]; scoped?: boolean } = {}) {
  const store = makeStore(kind)
  const namespace = uniqueNamespace()
  const extension = cacheExtension({ store, namespace, timeouts: { store: 2000 }, ...(options.scoped !== false && { scope: scopeOfRequest }), ...(options.scopedModels && { scopedModels: options.scopedModels }) })
  const clients = new Map<string, Cached>()
  return new Proxy({} as Cached, {
    get(_, prop) {
      const tenant = requestContext.getStore()?.tenant ?? 'admin'
      let client = clients.get(tenant)
      if (!client) clients.set(tenant, (client = rls.clientFor(tenant).$extends(extension)))
      return Reflect.get(client, prop)
    },
  })
}
const _extended = () => rls.clientFor('').$extends(cacheExtension())
type Cached = ReturnType<typeof _extended>

const orders = (prisma: Cached) => prisma.order.findMany({ orderBy: { id: 'asc' }, select: { id: true, userId: true }, cache: true })
const ordersInfo = (prisma: Cached) => prisma.order.findMany({ orderBy: { id: 'asc' }, select: { id: true, userId: true }, cache: true }).withCacheInfo()

async function ownOrderIds(tenant: string): Promise<number[]> {
  const rows = await rls.db.sql<{ id: number }>('SELECT id FROM "Order" WHERE "userId" = $1 ORDER BY id', [Number(tenant)])
  return rows.map((r) => r.id)
}

describe('Prisma’s documented RLS extension (a batch transaction per query) applied before the cache', () => {
  it('every read reaches the database (the cache sees a transaction and bypasses it) and sees only its tenant’s rows', async () => {
    const prisma = rls.docsClient.$extends(cacheExtension({ store: memoryStore(), scope: scopeOfRequest }))
    for (const tenant of tenants.slice(0, 3)) {
      for (let i = 0; i < 2; i++) {
        const { data, info } = await asTenant(tenant, () => prisma.order.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo())
        expect(info.status).toBe('bypass')
        expect(data.map((o) => o.id)).toEqual(await ownOrderIds(tenant))
      }
    }
  })
})

describe('without scope', () => {
  it('one tenant is served another tenant’s rows (why scope exists)', async () => {
    const prisma = cached('memory', { scoped: false })
    const first = await asTenant(tenants[0]!, () => orders(prisma))
    const second = await asTenant(tenants[1]!, () => orders(prisma))
    expect(second).toEqual(first)
    expect(second.every((o) => String(o.userId) === tenants[0])).toBe(true)
  })
})

describe.each(STORE_KINDS)('scope on the %s store', (kind: StoreKind) => {
  it('16 tenants, interleaved reads and writes: every read returns exactly its own tenant’s rows', async () => {
    const prisma = cached(kind)
    const expected = new Map<string, number[]>()
    for (const tenant of tenants) expected.set(tenant, await ownOrderIds(tenant))
    let hits = 0
    const run = (tenant: string, round: number) =>
      asTenant(tenant, async () => {
        for (let step = 0; step < 6; step++) {
          await tick()
          if ((round + step + Number(tenant)) % 5 === 0) {
            const created = await prisma.order.create({ data: { userId: Number(tenant), total: '1.00' }, select: { id: true } })
            expected.get(tenant)!.push(created.id)
          }
          const { data, info } = await ordersInfo(prisma)
          if (info.status === 'hit') hits++
          expect(data.map((o) => o.id)).toEqual(expected.get(tenant))
          expect(await prisma.order.count({ cache: true })).toBe(expected.get(tenant)!.length)
        }
      })
    // A second request chain per tenant reads while the first writes: it must only ever see its own tenant's rows.
    const reader = (tenant: string) =>
      asTenant(tenant, async () => {
        for (let step = 0; step < 6; step++) {
          await tick()
          const rows = await orders(prisma)
          expect(rows.every((o) => String(o.userId) === tenant)).toBe(true)
          expect(rows.length).toBeGreaterThan(0)
        }
      })
    await Promise.all(tenants.flatMap((tenant, i) => [run(tenant, i), reader(tenant)]))
    expect(hits).toBeGreaterThan(0)
  })
})

describe.each(STORE_KINDS)('scopedModels on the %s store', (kind: StoreKind) => {
  const [a, b] = [() => tenants[10]!, () => tenants[11]!]

  it('a write under tenant A leaves tenant B’s entries cached, and A and unscoped readers see it', async () => {
    const prisma = cached(kind, { scopedModels: ['Order'] })
    await asTenant(a(), () => orders(prisma))
    await asTenant(b(), () => orders(prisma))
    await asTenant('admin', () => orders(prisma))
    await asTenant(a(), () => prisma.order.create({ data: { userId: Number(a()), total: '2.00' } }))
    rls.executions.reset()
    expect((await asTenant(b(), () => ordersInfo(prisma))).info.status).toBe('hit')
    expect(rls.executions.reads).toBe(0)
    const forA = await asTenant(a(), () => ordersInfo(prisma))
    expect(forA.info.status).toBe('miss')
    expect(forA.data.map((o) => o.id)).toEqual(await ownOrderIds(a()))
    const forAdmin = await asTenant('admin', () => ordersInfo(prisma))
    expect(forAdmin.info.status).toBe('miss')
    expect(forAdmin.data.length).toBe((await rls.db.sql('SELECT id FROM "Order"')).length)
  })

  it('without scopedModels, the same write empties every tenant’s entries', async () => {
    const prisma = cached(kind)
    await asTenant(b(), () => orders(prisma))
    await asTenant(a(), () => prisma.order.create({ data: { userId: Number(a()), total: '2.00' } }))
    expect((await asTenant(b(), () => ordersInfo(prisma))).info.status).toBe('miss')
  })

  it('an unscoped write invalidates every tenant’s entries', async () => {
    const prisma = cached(kind, { scopedModels: ['Order'] })
    await asTenant(a(), () => orders(prisma))
    await asTenant(b(), () => orders(prisma))
    const created = await asTenant('admin', () => prisma.order.create({ data: { userId: Number(b()), total: '3.00' } }))
    expect((await asTenant(a(), () => ordersInfo(prisma))).info.status).toBe('miss')
    const forB = await asTenant(b(), () => ordersInfo(prisma))
    expect(forB.info.status).toBe('miss')
    expect(forB.data.map((o) => o.id)).toContain(created.id)
  })

  it('a write to a shared model that cascades into scoped rows invalidates every tenant (wider)', async () => {
    const prisma = cached(kind, { scopedModels: ['Order'] })
    const doomed = await rls.db.prisma.user.create({ data: { email: `doomed-${kind}@example.com`, name: 'Doomed' } })
    await rls.db.prisma.order.create({ data: { userId: doomed.id, total: '4.00' } })
    await asTenant('admin', () => orders(prisma))
    await asTenant(b(), () => orders(prisma))
    // Tenant B deletes a user (a model that is not scoped); the cascade deletes that user's orders.
    await asTenant(b(), () => prisma.user.delete({ where: { id: doomed.id } }))
    const forAdmin = await asTenant('admin', () => ordersInfo(prisma))
    expect(forAdmin.info.status).toBe('miss')
    expect(forAdmin.data.some((o) => o.userId === doomed.id)).toBe(false)
  })

  it('row-precise entries of a scoped model follow the same rule', async () => {
    const prisma = cached(kind, { scopedModels: ['Order'] })
    const [idA] = await ownOrderIds(a())
    const [idB] = await ownOrderIds(b())
    const byId = (id: number) => prisma.order.findUnique({ where: { id: id! }, cache: true }).withCacheInfo()
    await asTenant(a(), () => byId(idA!))
    await asTenant(b(), () => byId(idB!))
    await asTenant(a(), () => prisma.order.update({ where: { id: idA! }, data: { total: '9.99' } }))
    expect((await asTenant(b(), () => byId(idB!))).info.status).toBe('hit')
    const forA = await asTenant(a(), () => byId(idA!))
    expect(forA.info.status).toBe('miss')
    expect(String(forA.data?.total)).toBe('9.99')
  })
})

it('scopedModels must name existing models', () => {
  expect(() => rls.clientFor('admin').$extends(cacheExtension({ store: memoryStore(), scopedModels: ['Nope'] }))).toThrow(CacheConfigError)
  expect(() => cacheExtension({ scopedModels: 'Order' as never })).toThrow(CacheConfigError)
})
