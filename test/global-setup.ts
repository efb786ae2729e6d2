/**
 * Finds PostgreSQL and Redis before any test file runs. `DATABASE_URL` / `REDIS_URL` win; else
 * the local services on their default ports; else, where Docker is available, testcontainers
 * starts them (this machine has no Docker, so it is the fallback for contributors without local
 * services). A Redis Cluster of our own is always started (REDIS_CLUSTER_NODES, unless set).
 * Workers inherit the resulting environment.
 */
import { Socket } from 'node:net'
import { startRedisCluster } from './helpers/redis-cluster.js'

const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test'
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(Number(port), hostname.replace(/^\[|\]$/g, ''), () => done(true))
  })
}

type Stop = () => Promise<unknown>

export default async function setup(): Promise<Stop> {
  const stops: Stop[] = []
  if (!process.env.DATABASE_URL && !(await reachable(DEFAULT_DATABASE_URL))) {
    const { GenericContainer, Wait } = await import('testcontainers')
    const container = await new GenericContainer('postgres:15-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start()
    process.env.DATABASE_URL = `postgresql://postgres@${container.getHost()}:${container.getMappedPort(5432)}/test`
    stops.push(() => container.stop())
  }
  if (!process.env.REDIS_URL && !(await reachable(DEFAULT_REDIS_URL))) {
    const { GenericContainer, Wait } = await import('testcontainers')
    const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/)).start()
    process.env.REDIS_URL = `redis://${container.getHost()}:${container.getMappedPort(6379)}`
    stops.push(() => container.stop())
  }
  if (!process.env.REDIS_CLUSTER_NODES) {
    // A Redis Cluster of our own (3 masters, 1 replica each, ~3 s to start) for the cluster store kinds.
    const cluster = await startRedisCluster()
    process.env.REDIS_CLUSTER_NODES = cluster.seeds
    stops.push(() => cluster.stop())
  }
  return () => Promise.all(stops.map((stop) => stop()))
}
