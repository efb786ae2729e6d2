/**
 * Redis servers that fail in ways a healthy server never does, for fail-open tests: a port where
 * nothing listens, a server that accepts connections and never answers, and a slow link.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { Redis } from 'ioredis'

/** A TCP port on 127.0.0.1 where nothing listens (bound, read, then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A local server on a free port; `close()` also ends every connection it accepted or opened. */
interface LocalServer {
  port: number
  close(): Promise<void>
}

/** Listens on 127.0.0.1 (`port` 0: a free one); `onConnection` gets `track` to hand over sockets for `close()` to end. */
async function localServer(onConnection: (socket: Socket, track: (socket: Socket) => void) => void, port = 0): Promise<LocalServer> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const server: Server = createServer((socket) => {
    track(socket)
    onConnection(socket, track)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A server that accepts every connection and never writes a byte back. */
export function silentServer(): Promise<LocalServer> {
  return localServer(() => {})
}

/**
 * A TCP proxy to the Redis at `target` that holds every reply for `delayMs` (a slow link):
 * requests go through at once, so the server works as usual and only the answers are late.
 * Listens on `port` (0: a free one). Nagle is off on both sides, so no delay but `delayMs` is added.
 */
export function slowLink(target: { host: string; port: number }, delayMs: number, port = 0): Promise<LocalServer> {
  return localServer((client, track) => {
    const upstream = connect(target.port, target.host)
    track(upstream)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    client.on('data', (chunk) => upstream.write(chunk))
    // Timers of equal delay fire in the order they were set, so replies keep their order.
    upstream.on('data', (chunk) => setTimeout(() => client.write(chunk), delayMs))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  }, port)
}

/**
 * An ioredis client for a broken server. `offlineQueue: false` makes commands fail at once while
 * disconnected; `true` lets them queue (and hang) so only our deadline ends them. Connection
 * errors are swallowed: the cache reports its own.
 */
export function brokenClient(port: number, offlineQueue: boolean): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    enableOfflineQueue: offlineQueue,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
    connectTimeout: 200,
  })
  client.on('error', () => {})
  return client
}
