/**
 * The parent side of cache-worker.ts: starts a worker process and sends it commands. Every worker
 * started here is SIGKILLed when the test process exits, even if a test forgot to stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const WORKER = fileURLToPath(new URL('./cache-worker.ts', import.meta.url))
const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** Environment of a worker: see cache-worker.ts. */
export interface WorkerEnv {
  DATABASE_URL: string
  REDIS_URL: string
  NAMESPACE: string
  STORE?: 'redis' | 'tiered'
  BUS_NAME?: string
  CHANNEL?: string
  BUS_RETRY_MS?: string
  /** The store is on this Redis Cluster (seed `host:port` list) instead of REDIS_URL. */
  REDIS_CLUSTER_NODES?: string
}

/** A running worker process. */
export interface WorkerHandle {
  readonly pid: number
  /** Sends `{ op, ...args }` and resolves the reply (rejects on an error reply or the worker's death). */
  request<T = Record<string, unknown>>(op: string, args?: object): Promise<T>
  /** Resolves when the worker emits `{ event: name }` (from now on). */
  event(name: string): Promise<void>
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>
}

/** Starts a worker and resolves once it is ready (its Prisma client and Redis connection warmed up). */
export async function startWorker(env: WorkerEnv): Promise<WorkerHandle> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, REDIS_CLUSTER_NODES: '', ...env }, stdio: ['pipe', 'pipe', 'inherit'] })
  live.add(child)
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child)
    resolve()
  }))
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  const listeners = new Map<string, (() => void)[]>()
  let next = 0
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { id?: number; event?: string; error?: string }
    if (message.event) {
      for (const listener of listeners.get(message.event) ?? []) listener()
      listeners.delete(message.event)
      return
    }
    const waiter = pending.get(message.id!)
    pending.delete(message.id!)
    if (message.error) waiter?.reject(new Error(`worker ${child.pid}: ${message.error}`))
    else waiter?.resolve(message)
  })
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`worker ${child.pid} exited`))
    pending.clear()
  })
  const handle: WorkerHandle = {
    pid: child.pid!,
    request<T>(op: string, args: object = {}) {
      const id = next++
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        child.stdin!.write(JSON.stringify({ id, op, ...args }) + '\n')
      })
    },
    event(name) {
      return new Promise((resolve) => listeners.set(name, [...(listeners.get(name) ?? []), resolve]))
    },
    async kill() {
      child.kill('SIGKILL')
      await exited
    },
  }
  await Promise.race([handle.event('ready'), exited.then(() => Promise.reject(new Error('worker exited before it was ready')))])
  await handle.request('warm')
  return handle
}
