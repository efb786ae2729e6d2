/**
 * Test-owned redis-server processes on free ports, for tests that kill, restart, fill, or demote
 * a server. Each server runs in the foreground as our child (no persistence), so `kill()` can
 * stop it the hard way and `start()` can bring it back on the same port. Every server started
 * here is stopped when the test process exits, even if a test forgot to.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { Redis, type RedisOptions } from 'ioredis'
import { freePort } from './broken-redis.js'

const run = promisify(execFile)
const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** A redis-server this test process started and owns. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Runs `redis-cli -p port ...args` and resolves its trimmed output. */
  cli(...args: string[]): Promise<string>
  /** A fail-fast client: no offline queue, one attempt per command, reconnects every 50 ms. */
  client(options?: RedisOptions): Redis
  /** {@link client}, resolved once it is connected (fail-fast clients reject commands before that). */
  connect(options?: RedisOptions): Promise<Redis>
  /** `SHUTDOWN NOSAVE`: the server dies as in an outage; resolves once the port is closed. */
  kill(): Promise<void>
  /** Starts the server again on the same port (after `kill()`). */
  start(): Promise<void>
  /** Stops the server for good and closes every client made by `client()`. */
  stop(): Promise<void>
}

/** Starts a redis-server on a free port; `extraArgs` are passed through (e.g. `--replicaof`). */
export async function startRedisServer(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'pqc-redis-')) // a replica writes the RDB it receives: keep it out of the repo
  let child: ChildProcess | undefined
  const clients = new Set<Redis>()
  const cli = async (...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim()
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], { stdio: 'ignore' })
    const started = child
    live.add(started)
    started.on('exit', () => live.delete(started))
    await waitFor(async () => (await cli('ping').catch(() => '')) === 'PONG', `redis-server on port ${port} did not start`)
  }
  const exited = async () => {
    const current = child
    if (current && current.exitCode === null && current.signalCode === null) await new Promise((resolve) => current.once('exit', resolve))
  }
  await start()
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    cli,
    client(options = {}) {
      const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 500, retryStrategy: () => 50, ...options })
      client.on('error', () => {}) // the cache reports its own failures
      clients.add(client)
      return client
    },
    async connect(options = {}) {
      const client = server.client(options)
      if (client.status !== 'ready') await once(client, 'ready')
      return client
    },
    async kill() {
      await cli('shutdown', 'nosave').catch(() => {})
      await exited()
    },
    start,
    async stop() {
      for (const client of clients) client.disconnect()
      child?.kill('SIGKILL')
      await exited()
      await rm(dir, { recursive: true, force: true })
    },
  }
  return server
}

/** Polls `check` every 20 ms until it is true; throws `message` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, message: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message)
    await sleep(20)
  }
}

/** Total calls of each Redis command since the last `CONFIG RESETSTAT`, from `INFO commandstats`. */
export async function commandCounts(server: RedisServer): Promise<Record<string, number>> {
  return parseCommandStats(await server.cli('info', 'commandstats'))
}

/** Calls per command in the text of `INFO commandstats`. */
export function parseCommandStats(text: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
    if (match) counts[match[1]!] = Number(match[2])
  }
  return counts
}

/** A TCP proxy in front of a Redis port; `cut()` drops every connection and refuses new ones until `restore()`. */
export interface TcpProxy {
  readonly port: number
  cut(): void
  restore(): void
  close(): Promise<void>
}

/**
 * Starts a proxy to `targetPort`: an outage for the clients behind it only, while the server keeps
 * its data and other clients keep using it.
 */
export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let down = false
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const server = createServer((inbound) => {
    track(inbound)
    if (down) return void inbound.destroy()
    const outbound = connect(targetPort, '127.0.0.1')
    track(outbound)
    inbound.pipe(outbound).pipe(inbound)
    inbound.on('close', () => outbound.destroy())
    outbound.on('close', () => inbound.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      down = true
      for (const socket of sockets) socket.destroy()
    },
    restore() {
      down = false
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
