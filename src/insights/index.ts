/**
 * The insights page (`prisma-query-cache/insights`): hit rate per model, top queries by database
 * time saved, recent invalidations and errors, updated live over server-sent events. One
 * self-contained HTML page (no build step, no CDN); it shows keys and figures, never values.
 *
 * Routes, relative to where the handler is mounted: `…/` the page, `…/data` the figures as JSON,
 * `…/events` the same figures as a server-sent event stream (one `snapshot` per change, throttled).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CacheApi } from '../kv/cache-api.js'
import { InsightsCollector } from './collector.js'
import { PAGE } from './page.js'

export type { InsightsSnapshot, QueryFigures, InvalidationRecord, ErrorRecord } from './collector.js'

/** Options of {@link insights}. */
export interface InsightsOptions {
  /** Port to listen on; `0` picks a free one. @default 0 */
  port?: number
  /** Interface to listen on. Anything but loopback exposes cache keys to the network. @default '127.0.0.1' */
  host?: string
}

/** A Node request handler serving the page, plus `close()` to stop listening to the cache. */
export interface InsightsHandler {
  (req: IncomingMessage, res: ServerResponse): void
  /** Ends the live streams and unsubscribes from the cache events. */
  close(): void
}

/** A running insights server. */
export interface InsightsServer {
  server: Server
  /** e.g. `http://127.0.0.1:43121/` */
  url: string
  close(): Promise<void>
}

/** Milliseconds between two pushes of figures to the open pages (changes are batched). */
const PUSH_INTERVAL_MS = 250
/** Milliseconds between two store pings while a page is open. */
const HEALTH_INTERVAL_MS = 5000

type WithCache = { $cache: CacheApi }

/** Serves the insights page of `prisma` on `host:port` (127.0.0.1 and a free port by default). */
export async function insights(prisma: WithCache, options: InsightsOptions = {}): Promise<InsightsServer> {
  const { port = 0, host = '127.0.0.1' } = options
  const handler = insightsHandler(prisma)
  const server = createServer(handler)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
  } catch (error) {
    handler.close() // nobody gets the handler: unsubscribe its collector from the cache now
    throw error
  }
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    server,
    url: `http://${shownHost}:${address.port}/`,
    close: () => {
      handler.close()
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The page as a Node `(req, res)` handler, to mount under a path of an existing server (end the path with `/`). */
export function insightsHandler(prisma: WithCache): InsightsHandler {
  if (typeof prisma?.$cache?.on !== 'function') throw new TypeError('insightsHandler(prisma): expected a client extended with cacheExtension()')
  const collector = new InsightsCollector(prisma.$cache)
  const streams = new Set<ServerResponse>()
  let pushTimer: NodeJS.Timeout | undefined
  let healthTimer: NodeJS.Timeout | undefined

  const push = () => {
    pushTimer = undefined
    const data = `event: snapshot\ndata: ${JSON.stringify(collector.snapshot())}\n\n`
    for (const res of streams) res.write(data)
  }
  const unsubscribe = collector.onChange(() => {
    if (streams.size > 0 && !pushTimer) pushTimer = setTimeout(push, PUSH_INTERVAL_MS).unref()
  })
  const startHealth = () => {
    if (healthTimer) return
    healthTimer = setInterval(() => void collector.refreshHealth().then(() => streams.size > 0 && push()), HEALTH_INTERVAL_MS).unref()
  }
  const stopHealth = () => {
    clearInterval(healthTimer)
    healthTimer = undefined
  }

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path.endsWith('/events')) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' })
      res.write('retry: 2000\n\n')
      streams.add(res)
      req.on('close', () => {
        streams.delete(res)
        if (streams.size === 0) stopHealth() // the last page closed: stop pinging the store
      })
      startHealth()
      void collector.refreshHealth().finally(() => {
        if (streams.has(res)) res.write(`event: snapshot\ndata: ${JSON.stringify(collector.snapshot())}\n\n`)
      })
      return
    }
    if (path.endsWith('/data')) {
      void collector.refreshHealth().finally(() => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(collector.snapshot()))
      })
      return
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Inline script and style only; the page talks to its own origin and nothing else.
      'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
    }).end(req.method === 'HEAD' ? undefined : PAGE)
  }) as InsightsHandler
  handler.close = () => {
    unsubscribe()
    collector.close()
    clearTimeout(pushTimer)
    stopHealth()
    for (const res of streams) res.end()
    streams.clear()
  }
  return handler
}
