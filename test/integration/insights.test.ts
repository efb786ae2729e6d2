/**
 * The insights page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * its figures match `stats()`, it updates without a reload after more reads, and no cached value
 * ever appears in its HTML or its data. PQC_SCREENSHOTS=1 writes the screenshot to docs/.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { createServer, get, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { insights, insightsHandler, type InsightsServer } from '../../src/insights/index.js'
import { cachedClient, type CachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

const CHROMIUM = '/usr/bin/chromium'
const SECRET_NAME = 'Zebulon-7f3a-secret-name'
const SECRET_EMAIL = 'zebulon-7f3a@secret.example'
const screenshotDir = process.env.PQC_SCREENSHOTS ? new URL('../../docs/', import.meta.url).pathname : mkdtempSync(join(tmpdir(), 'pqc-insights-'))

let db: TestDatabase
let prisma: CachedClient
let server: InsightsServer
let browser: Browser
let page: Page
let userId: number

/** A realistic little workload: several models, hits and misses, an invalidation. */
async function workload(rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    await prisma.user.findUnique({ where: { email: SECRET_EMAIL }, cache: true })
    await prisma.product.findMany({ where: { status: 'PUBLISHED' }, include: { category: true }, take: 10, cache: true })
    await prisma.order.aggregate({ _sum: { total: true }, cache: { tags: ['dashboard'] } })
    if (i % 3 === 0) await prisma.category.count({ cache: true })
  }
}

beforeAll(async () => {
  db = await createTestDatabase()
  const user = await db.prisma.user.create({ data: { email: SECRET_EMAIL, name: SECRET_NAME } })
  userId = user.id
  const category = await db.prisma.category.create({ data: { name: 'Books' } })
  for (let i = 0; i < 5; i++) {
    await db.prisma.product.create({ data: { name: `Product ${i}`, sku: `SKU-${i}`, price: '9.90', status: 'PUBLISHED', categoryId: category.id } })
  }
  ;({ prisma } = cachedClient(db, 'redis'))
  server = await insights(prisma)
  await workload(4)
  await prisma.category.update({ where: { id: category.id }, data: { name: 'Books & more' } })
  await workload(2)
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await db?.drop()
})

/** The text of a cell of the per-model table. */
const modelCell = (model: string, field: string) => page.locator(`#models tr[data-model="${model}"] td[data-field="${field}"]`).textContent()

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('insights page', () => {
  it('listens on 127.0.0.1 by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
  })

  it('shows the figures of stats(), per model', async () => {
    await page.goto(server.url)
    await expect.poll(() => page.locator('#status').textContent()).toBe('live')
    const stats = prisma.$cache.stats()
    expect(await page.locator('#total-hits').textContent()).toBe(stats.hits.toLocaleString('en-US'))
    expect(await page.locator('#total-misses').textContent()).toBe(stats.misses.toLocaleString('en-US'))
    expect(await page.locator('#hit-rate').textContent()).toBe((stats.hitRate * 100).toFixed(1) + '%')
    for (const [model, figures] of Object.entries(stats.byModel)) {
      expect(await modelCell(model, 'hits')).toBe(String(figures.hits))
      expect(await modelCell(model, 'misses')).toBe(String(figures.misses))
      expect(await modelCell(model, 'hitRate')).toBe((figures.hitRate * 100).toFixed(1) + '%')
    }
    expect(Object.keys(stats.byModel).sort()).toEqual(['Category', 'Order', 'Product', 'User'])
    const shapes = await page.locator('#queries td[data-field="shape"]').allTextContents()
    expect(shapes).toContain('{where:{email:string}}')
    expect(shapes).toContain('{include:{category:boolean},take:number,where:{status:string}}')
    expect(await page.locator('#invalidations tbody tr').count()).toBeGreaterThanOrEqual(1)
    expect(await page.locator('#invalidations').textContent()).toContain('m:Category')
    await page.screenshot({ path: join(screenshotDir, 'insights.png'), fullPage: true })
  })

  it('updates without a reload after more reads', async () => {
    let reloaded = false
    page.once('load', () => (reloaded = true))
    const before = prisma.$cache.stats().byModel.User!.hits
    await workload(3)
    const after = prisma.$cache.stats().byModel.User!.hits
    expect(after).toBe(before + 6)
    await expect.poll(() => modelCell('User', 'hits'), { timeout: 10_000 }).toBe(String(after))
    expect(await page.locator('#total-hits').textContent()).toBe(prisma.$cache.stats().hits.toLocaleString('en-US'))
    expect(reloaded).toBe(false)
  })

  it('never shows a cached value, in the page or in its data', async () => {
    const html = await page.content()
    const data = await (await fetch(server.url + 'data')).text()
    for (const text of [html, data]) {
      expect(text).not.toContain(SECRET_NAME)
      expect(text).not.toContain(SECRET_EMAIL)
      expect(text).not.toContain('Product 3')
    }
    expect(html).toContain('prisma-query-cache insights')
  })

  it('is also a (req, res) handler to mount under a path', async () => {
    const { createServer } = await import('node:http')
    const handler = insightsHandler(prisma)
    const app = createServer((req, res) => (req.url?.startsWith('/cache/') ? handler(req, res) : res.writeHead(404).end()))
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    try {
      const base = `http://127.0.0.1:${(app.address() as { port: number }).port}/cache/`
      const data = (await (await fetch(base + 'data')).json()) as { stats: { hits: number } }
      expect(data.stats.hits).toBe(prisma.$cache.stats().hits)
      const mounted = await browser.newPage()
      await mounted.goto(base)
      await expect.poll(() => mounted.locator('#status').textContent()).toBe('live')
      expect(await mounted.locator('#total-hits').textContent()).toBe(prisma.$cache.stats().hits.toLocaleString('en-US'))
      await mounted.close()
    } finally {
      handler.close()
      app.closeAllConnections()
      await new Promise<void>((resolve) => app.close(() => resolve()))
    }
  })
})

/** `prisma` whose `$cache` counts the listeners subscribed and the health pings. */
function counted() {
  const counts = { listeners: 0, health: 0 }
  const cache = prisma.$cache
  const $cache = new Proxy(cache, {
    get(target, prop) {
      if (prop === 'on') return (...args: Parameters<typeof cache.on>) => (counts.listeners++, target.on(...args))
      if (prop === 'off') return (...args: Parameters<typeof cache.off>) => (counts.listeners--, target.off(...args))
      if (prop === 'health') return () => (counts.health++, target.health())
      const value = Reflect.get(target, prop) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { client: { $cache }, counts }
}

describe('resources', () => {
  it('insights() that cannot listen rejects and leaves no listener on $cache', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    try {
      const { client, counts } = counted()
      const port = (blocker.address() as { port: number }).port
      await expect(insights(client, { port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
      expect(counts.listeners).toBe(0)
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })

  it('stops pinging the store once the last live page closed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { client, counts } = counted()
    const handler = insightsHandler(client)
    let pageClosed!: () => void
    const closed = new Promise<void>((resolve) => (pageClosed = resolve))
    // Registered after the handler's own 'close' listener, so it runs after it.
    const app = createServer((req, res) => (handler(req, res), req.on('close', pageClosed)))
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(app.address() as { port: number }).port}/events`
      const response = await new Promise<IncomingMessage>((resolve) => get(url, resolve).on('error', () => {}))
      await new Promise((resolve) => response.once('data', resolve))
      vi.advanceTimersByTime(5000) // a page is open: the store is pinged every 5 s
      await expect.poll(() => counts.health).toBeGreaterThanOrEqual(2)
      response.destroy()
      await closed
      const pings = counts.health
      vi.advanceTimersByTime(20_000)
      expect(counts.health).toBe(pings)
    } finally {
      vi.useRealTimers()
      handler.close()
      app.closeAllConnections()
      await new Promise<void>((resolve) => app.close(() => resolve()))
    }
  })
})
