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

/** A server that accepts every connection and never writes a byte back. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * A TCP proxy to the Redis at `target` that holds every reply for `delayMs` (a slow link):
 * requests go through at once, so the server works as usual and only the answers are late.
 */
export async function slowLink(target: { host: string; port: number }, delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    track(client)
    track(upstream)
    client.on('data', (chunk) => upstream.write(chunk))
    upstream.on('data', (chunk) => setTimeout(() => client.write(chunk), delayMs))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
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
