/**
 * A test-owned Redis Cluster: 3 masters with 1 replica each, six redis-server processes on free
 * local ports (each port and its cluster-bus port + 10000), in a temporary directory, no
 * persistence. Started once per test run by test/global-setup.ts (its seed addresses reach the
 * test files as REDIS_CLUSTER_NODES), and by the failover test for itself (it kills a master).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A running cluster. */
export interface RedisClusterBed {
  /** Every node's port, masters first as created (replicas may be promoted later). */
  readonly ports: number[]
  /** `host:port` of each node, comma-separated (the REDIS_CLUSTER_NODES format). */
  readonly seeds: string
  /** `redis-cli -p port ...args`, trimmed output. */
  cli(port: number, ...args: string[]): Promise<string>
  /** Ports of the nodes that are masters right now (asked of a live node). */
  masters(): Promise<number[]>
  /** Kills the node on `port` at once (SIGKILL, as in a crash). */
  kill(port: number): Promise<void>
  /** Resolves once every live node reports `cluster_state:ok`, there are 3 masters, and each master's replicas (if alive) are in sync. */
  waitHealthy(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts a 3-master, 1-replica-each cluster; stops what it started if it fails. Ports are found
 * free and bound by redis-server a moment later: in between, another test process or an outgoing
 * connection (bus ports 30000–39999 lie in Linux's ephemeral range) may take one, and that node
 * exits at once. Then the cluster is started again on new ports, up to three times.
 */
export async function startRedisCluster(): Promise<RedisClusterBed> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce()
    } catch (error) {
      if (!(error instanceof NodeExited) || attempt === 3) throw error
    }
  }
}

/** A node exited before answering: its port (or bus port) was taken. */
class NodeExited extends Error {}

async function startOnce(): Promise<RedisClusterBed> {
  const dir = await mkdtemp(join(tmpdir(), 'pqc-cluster-'))
  const children = new Map<number, ChildProcess>()
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim()
  const stop = async () => {
    await Promise.all([...children.values()].map((child) => exited(child, true)))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const ports = await clusterPorts(6)
    for (const port of ports) {
      const child = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no',
        '--cluster-node-timeout', '1000', '--dbfilename', `dump-${port}.rdb`, '--enable-debug-command', 'local',
      ], { stdio: 'ignore' })
      children.set(port, child)
    }
    const exitedAtStart = () => [...children].find(([, child]) => child.exitCode !== null || child.signalCode !== null)?.[0]
    for (const port of ports) {
      await until(async () => {
        const gone = exitedAtStart()
        if (gone !== undefined) throw new NodeExited(`redis-server ${gone} exited at start (port taken?)`)
        const pong = await run('redis-cli', ['-p', String(port), 'ping'], { timeout: 2000 }).then((r) => r.stdout.trim(), () => '')
        return pong === 'PONG'
      }, `redis-server ${port} did not start`)
    }
    // A PONG may come from whoever holds a taken port: by now a node that failed to bind has exited.
    const gone = exitedAtStart()
    if (gone !== undefined) throw new NodeExited(`redis-server ${gone} exited at start (port taken?)`)
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'])
    const bed: RedisClusterBed = {
      ports,
      seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
      cli,
      async masters() {
        for (const [port, child] of children) {
          if (child.exitCode !== null || child.signalCode !== null) continue
          const nodes = await cli(port, 'cluster', 'nodes').catch(() => '')
          if (!nodes) continue
          return nodes.split('\n').filter((l) => /\bmaster\b/.test(l) && !/\bfail\b/.test(l)).map((l) => Number(/:(\d+)@/.exec(l)![1]))
        }
        return []
      },
      async kill(port) {
        const child = children.get(port)
        if (child) await exited(child, true)
      },
      async waitHealthy(timeoutMs = 20_000) {
        await until(async () => {
          const live = [...children].filter(([, c]) => c.exitCode === null && c.signalCode === null).map(([p]) => p)
          for (const port of live) {
            const info = await cli(port, 'cluster', 'info').catch(() => '')
            if (!info.includes('cluster_state:ok')) return false
          }
          const masters = await bed.masters()
          if (masters.length !== 3) return false
          for (const port of masters) {
            const replication = await cli(port, 'info', 'replication').catch(() => '')
            if (/slave\d+:.*state=(?!online)/.test(replication)) return false
            if (live.length === 6 && !/slave0:.*state=online/.test(replication)) return false
          }
          return true
        }, 'the cluster did not become healthy', timeoutMs)
      },
      stop,
    }
    await bed.waitHealthy()
    return bed
  } catch (error) {
    await stop()
    throw error
  }
}

/** The seed addresses the test run's shared cluster listens on. */
export function clusterSeeds(): { host: string; port: number }[] {
  const seeds = process.env.REDIS_CLUSTER_NODES
  if (!seeds) throw new Error('REDIS_CLUSTER_NODES is not set: test/global-setup.ts starts the cluster')
  return seeds.split(',').map((s) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) }))
}

/** `count` ports p (random, 20000–29999) where both p and its cluster-bus port p + 10000 are free. */
async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = []
  while (ports.length < count) {
    const port = 20000 + Math.floor(Math.random() * 10000)
    if (ports.includes(port) || ports.includes(port + 10000)) continue
    if ((await isFree(port)) && (await isFree(port + 10000))) ports.push(port)
  }
  return ports
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function exited(child: ChildProcess, kill: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const done = new Promise((resolve) => child.once('exit', resolve))
  if (kill) child.kill('SIGKILL')
  await done
}

async function until(check: () => Promise<boolean>, message: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message)
    await sleep(50)
  }
}
