/**
 * Hit-path reads on an ioredis Cluster, sent straight to the master that serves the slot. The
 * bucketed key layout puts a read's keys in one slot, so the cluster client's per-command work
 * (finding the slot of every key three times over, a slot check per command and per pipeline)
 * buys nothing; the MGETs of one event-loop turn are batched per master into one plain pipeline
 * instead. Anything unusual — a slot map not yet known, a node not connected, a redirection
 * (MOVED, ASK), a connection error — is retried through the cluster client, which follows
 * redirections and refreshes its slot map, so correctness never rests on this shortcut.
 */
import type { Cluster, Redis } from 'ioredis'

interface Pending {
  keys: readonly string[]
  resolve: (values: (Buffer | null)[]) => void
  reject: (error: unknown) => void
}

const shared = new WeakMap<Cluster, ClusterReads>()

/** Batches MGETs per master for one cluster; see the module comment. */
export class ClusterReads {
  /** The one instance for `cluster`: every store on a client shares its batches and listeners. */
  static for(cluster: Cluster): ClusterReads {
    let reads = shared.get(cluster)
    if (!reads) shared.set(cluster, (reads = new ClusterReads(cluster)))
    return reads
  }

  readonly #cluster: Cluster
  readonly #batches = new Map<Redis, Pending[]>()
  #nodes = new Map<string, Redis>()
  /** Only the default setup: a key prefix or reads from replicas stay with the cluster client. */
  readonly #usable: boolean

  private constructor(cluster: Cluster) {
    this.#cluster = cluster
    const options = cluster.options as { keyPrefix?: string; scaleReads?: unknown }
    this.#usable = !options.keyPrefix && (options.scaleReads ?? 'master') === 'master'
    const forget = () => (this.#nodes = new Map())
    cluster.on('+node', forget)
    cluster.on('-node', forget)
    cluster.on('refresh', forget)
  }

  /** MGET of keys that all hash to `slot`. */
  mget(keys: readonly string[], slot: number): Promise<(Buffer | null)[]> {
    const node = this.#usable ? this.#master(slot) : undefined
    if (!node) return this.#cluster.mgetBuffer(...(keys as string[]))
    return new Promise((resolve, reject) => {
      const batch = this.#batches.get(node)
      if (batch) return void batch.push({ keys, resolve, reject })
      this.#batches.set(node, [{ keys, resolve, reject }])
      setImmediate(() => this.#flush(node))
    })
  }

  #master(slot: number): Redis | undefined {
    if (this.#cluster.status !== 'ready') return undefined
    const address = this.#cluster.slots[slot]?.[0]
    if (address === undefined) return undefined
    let node = this.#nodes.get(address)
    if (!node) {
      node = this.#cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === address)
      if (!node) return undefined
      this.#nodes.set(address, node)
    }
    return node.status === 'ready' ? node : undefined
  }

  #flush(node: Redis): void {
    const batch = this.#batches.get(node)!
    this.#batches.delete(node)
    const pipeline = node.pipeline()
    for (const { keys } of batch) pipeline.mgetBuffer(...(keys as string[]))
    pipeline.exec().then(
      (results) => batch.forEach((pending, i) => {
        const [error, values] = results?.[i] ?? [new Error('no reply')]
        if (error) this.#retry(pending)
        else pending.resolve(values as (Buffer | null)[])
      }),
      () => batch.forEach((pending) => this.#retry(pending)),
    )
  }

  /** Through the cluster client, which follows MOVED/ASK and refreshes the slot map. */
  #retry({ keys, resolve, reject }: Pending): void {
    this.#cluster.mgetBuffer(...(keys as string[])).then(resolve, reject)
  }
}
