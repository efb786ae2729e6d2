/**
 * Code written the way an app on Prisma Accelerate writes it: `cacheStrategy` on the eight reads,
 * `$accelerate.invalidate` in the write path, `invalidateAll`, `withAccelerateInfo()` in logging.
 * app.on-accelerate.ts is this file with only the import line changed back to
 * `@prisma/extension-accelerate`; both compile (`npm run typecheck`), and
 * test/unit/accelerate-app.test.ts checks that nothing else differs.
 */
import { withAccelerate, type AccelerateInfo } from '@prisma/extension-accelerate'
import type { PrismaClient } from '../generated/prisma/client.js'

export function accelerated(prisma: PrismaClient) {
  return prisma.$extends(withAccelerate())
}

export type AppClient = ReturnType<typeof accelerated>

/** One read per operation, each with a cacheStrategy as an Accelerate app has them. */
export function catalog(prisma: AppClient) {
  return {
    product: (id: number) => prisma.product.findUnique({ where: { id }, cacheStrategy: { ttl: 60, tags: ['product'] } }),
    productOrThrow: (sku: string) => prisma.product.findUniqueOrThrow({ where: { sku }, select: { id: true, sku: true, price: true }, cacheStrategy: { ttl: 60, tags: ['product'] } }),
    cheapest: () => prisma.product.findFirst({ where: { status: 'PUBLISHED' }, orderBy: { price: 'asc' }, cacheStrategy: { ttl: 60, tags: ['catalog'] } }),
    firstInCategory: (categoryId: number) => prisma.product.findFirstOrThrow({ where: { categoryId }, include: { category: true }, orderBy: { id: 'asc' }, cacheStrategy: { ttl: 60, tags: ['catalog'] } }),
    published: () => prisma.product.findMany({ where: { status: 'PUBLISHED' }, include: { category: true }, orderBy: { id: 'asc' }, cacheStrategy: { ttl: 60, tags: ['catalog'] } }),
    publishedCount: () => prisma.product.count({ where: { status: 'PUBLISHED' }, cacheStrategy: { ttl: 60, tags: ['catalog'] } }),
    revenue: () => prisma.order.aggregate({ _sum: { total: true }, _count: true, cacheStrategy: { ttl: 60, tags: ['dashboard'] } }),
    byStatus: () => prisma.product.groupBy({ by: ['status'], _count: { _all: true }, orderBy: { status: 'asc' }, cacheStrategy: { ttl: 60, tags: ['dashboard'] } }),
  }
}

/** A read that may be up to a minute old and is refreshed in the background on every visit. */
export function stockBadge(prisma: AppClient, id: number) {
  return prisma.product.findUnique({ where: { id }, select: { stock: true }, cacheStrategy: { swr: 60 } })
}

/** Fresh for a short while, then stale-while-revalidate. */
export function priceTag(prisma: AppClient, id: number, ttl: number, swr: number) {
  return prisma.product.findUnique({ where: { id }, select: { price: true }, cacheStrategy: { ttl, swr } })
}

/** An admin page: never cached. */
export function auditTrail(prisma: AppClient) {
  return prisma.user.findMany({ orderBy: { id: 'asc' } })
}

/** Tags without ttl/swr: Accelerate does not cache this read. */
export function taggedOnly(prisma: AppClient) {
  return prisma.category.findMany({ orderBy: { id: 'asc' }, cacheStrategy: { tags: ['categories'] } })
}

/** The write path of an Accelerate app: write, then invalidate the tags by hand. */
export async function renameProduct(prisma: AppClient, id: number, name: string): Promise<string> {
  await prisma.product.update({ where: { id }, data: { name } })
  const { requestId } = await prisma.$accelerate.invalidate({ tags: ['product', 'catalog'] })
  return requestId
}

/** After a bulk import. */
export async function afterImport(prisma: AppClient): Promise<string> {
  const { requestId } = await prisma.$accelerate.invalidateAll()
  return requestId
}

/** Logging as Accelerate apps do it. */
export async function loggedCatalog(prisma: AppClient, log: (info: AccelerateInfo | null) => void) {
  const { data, info } = await prisma.product.findMany({ orderBy: { id: 'asc' }, cacheStrategy: { ttl: 60, tags: ['catalog'] } }).withAccelerateInfo()
  log(info)
  return data
}

/** Reads inside an interactive transaction keep their cacheStrategy (the transaction reads the database). */
export function checkout(prisma: AppClient, productId: number, userId: number) {
  return prisma.$transaction(async (tx) => {
    const product = await tx.product.findUniqueOrThrow({ where: { id: productId }, cacheStrategy: { ttl: 60 } })
    const info = await tx.product.count({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()
    const order = await tx.order.create({ data: { userId, total: product.price } })
    await tx.$accelerate.invalidate({ tags: ['dashboard'] })
    return { order, status: info.info?.cacheStatus }
  })
}
