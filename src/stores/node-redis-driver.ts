/**
 * The Redis driver on node-redis (the `redis` package), for a client (`createClient()`) and a
 * cluster (`createCluster()`). Every command goes through `sendCommand` with raw arguments, so
 * no module or script registration is needed and values come back as Buffers (type mapping).
 * node-redis pipelines commands sent in the same tick on one connection by itself, so a group of
 * commands sent together costs one round trip per node, as with an ioredis pipeline.
 */
import { groupBySlot } from './slots.js'
import type { LockRequest, LookupAndLock } from './store.js'
import {
  DELETE_IF_EQUALS, INCR_WITH_TTL, lookupAndLockInBatch, replicaShortfall, setAndUnlockInBatch, toTtl,
  type Announcement, type BatchCommand, type BatchReply, type RedisDriver, type Subscription, type SubscriptionHandlers,
} from './redis-driver.js'

/** Values as Buffers (RESP blob strings, type 36) instead of strings. */
const AS_BUFFERS = { typeMapping: { 36: Buffer } }

type Args = (string | Buffer)[]
type EventClient = {
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off?(event: string, listener: (...args: unknown[]) => void): unknown
}
/** The part of a node-redis client we use. */
interface NodeClient extends EventClient {
  isOpen: boolean
  isReady?: boolean
  sendCommand(args: Args, options?: object): Promise<unknown>
  duplicate(): NodeClient
  connect(): Promise<unknown>
  destroy?(): void
  disconnect?(): Promise<void>
  SUBSCRIBE(channel: string, listener: (message: Buffer, channel: Buffer) => void, bufferMode: true): Promise<void>
  UNSUBSCRIBE?(channel: string): Promise<void>
}
/** The part of a node-redis cluster we use. */
interface NodeCluster {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: Args, options?: object): Promise<unknown>
  masters: { address?: string }[]
  nodeClient(node: unknown): Promise<NodeClient>
  getNodeClientForKey(key: string): Promise<NodeClient>
}

/** True for a node-redis client or cluster. */
export function isNodeRedis(client: unknown): boolean {
  const c = client as Record<string, unknown> | null
  return typeof c === 'object' && c !== null && typeof c.sendCommand === 'function' && 'isOpen' in c && typeof c.defineCommand !== 'function'
}

/** A driver over a node-redis client or cluster the caller owns. */
export function nodeRedisDriver(client: unknown): RedisDriver {
  const c = client as Record<string, unknown>
  return 'masters' in c && typeof c.getNodeClientForKey === 'function' ? new NodeRedisDriver(new ClusterSender(client as NodeCluster), true) : new NodeRedisDriver(new ClientSender(client as NodeClient), false)
}

/** How a command reaches Redis: by its first key on a cluster. */
interface Sender {
  send(key: string | undefined, args: Args, options?: object): Promise<unknown>
  /** The connection that serves `key` (the only one on a single server). */
  nodeFor(key: string): Promise<NodeClient>
  masters(): Promise<NodeClient[]>
  /** A new connection for a subscription, to the server or any master. */
  newConnection(): Promise<NodeClient | undefined>
}

class ClientSender implements Sender {
  constructor(readonly client: NodeClient) {}
  send(_key: string | undefined, args: Args, options?: object) {
    return this.client.sendCommand(args, options)
  }
  async nodeFor() {
    return this.client
  }
  async masters() {
    return [this.client]
  }
  async newConnection() {
    return this.client.duplicate()
  }
}

class ClusterSender implements Sender {
  constructor(readonly cluster: NodeCluster) {}
  send(key: string | undefined, args: Args, options?: object) {
    return this.cluster.sendCommand(key, false, args, options)
  }
  nodeFor(key: string) {
    return this.cluster.getNodeClientForKey(key)
  }
  masters() {
    return Promise.all(this.cluster.masters.map((master) => this.cluster.nodeClient(master)))
  }
  async newConnection() {
    const masters = this.cluster.masters
    const master = masters[Math.floor(Math.random() * masters.length)]
    return master ? (await this.cluster.nodeClient(master)).duplicate() : undefined
  }
}

class NodeRedisDriver implements RedisDriver {
  readonly client = 'node-redis'
  constructor(readonly sender: Sender, readonly cluster: boolean) {}

  /** Runs `each` per hash-slot group on a cluster (all at once), or once on a single server. */
  async #perSlot<T>(keys: readonly string[], each: (indexes: number[]) => Promise<T[]>): Promise<T[]> {
    if (!this.cluster) return each(keys.map((_, i) => i))
    const out = new Array<T>(keys.length)
    await Promise.all(groupBySlot(keys).map(async ({ indexes }) => {
      const part = await each(indexes)
      indexes.forEach((index, j) => (out[index] = part[j]!))
    }))
    return out
  }

  mget(keys: readonly string[]): Promise<(Buffer | null)[]> {
    return this.#perSlot(keys, (ix) => this.sender.send(keys[ix[0]!], ['MGET', ...ix.map((i) => keys[i]!)], AS_BUFFERS) as Promise<(Buffer | null)[]>)
  }

  /** Sent in the same tick, so node-redis writes them together: one round trip per node. */
  batch(commands: readonly BatchCommand[]): Promise<BatchReply[]> {
    return Promise.all(commands.map(async (command): Promise<BatchReply> => {
      const { key } = command
      switch (command.op) {
        case 'get': return ((await this.sender.send(key, ['GET', key], AS_BUFFERS)) as Buffer | null) ?? null
        case 'setNxGet': {
          const previous = await this.sender.send(key, ['SET', key, command.value, 'PX', String(toTtl(command.ttlMs)), 'NX', 'GET'])
          return previous === null || previous === undefined ? null : String(previous)
        }
        case 'set': return this.set(key, command.value, command.ttlMs, command.onlyIfAbsent === true)
        case 'deleteIfEquals': return this.deleteIfEquals(key, command.value)
      }
    }))
  }

  lookupAndLock(entryKey: string, versionKeys: readonly string[], initial: readonly string[], versionTtlMs: number, lock: LockRequest): Promise<LookupAndLock> {
    return lookupAndLockInBatch(this, entryKey, versionKeys, initial, versionTtlMs, lock)
  }

  setAndUnlock(key: string, value: string | Buffer, ttlMs: number, lock: { key: string; token: string }): Promise<void> {
    return setAndUnlockInBatch(this, key, value, ttlMs, lock)
  }

  mgetWithTtl(keys: readonly string[]): Promise<[Buffer | null, number][]> {
    return this.#perSlot(keys, async (ix) => {
      const [values, ...ttls] = await Promise.all([
        this.sender.send(keys[ix[0]!], ['MGET', ...ix.map((i) => keys[i]!)], AS_BUFFERS) as Promise<(Buffer | null)[]>,
        ...ix.map((i) => this.sender.send(keys[i], ['PTTL', keys[i]!])),
      ])
      return values!.map((value, j) => [value, Number(ttls[j])] as [Buffer | null, number])
    })
  }

  async set(key: string, value: string | Buffer, ttlMs: number, onlyIfAbsent: boolean): Promise<boolean> {
    const args: Args = ['SET', key, value, 'PX', String(toTtl(ttlMs))]
    if (onlyIfAbsent) args.push('NX')
    return (await this.sender.send(key, args)) === 'OK'
  }

  setNxGet(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<(string | null)[]> {
    return Promise.all(keys.map(async (key, i) => {
      const previous = await this.sender.send(key, ['SET', key, initial[i]!, 'PX', String(toTtl(ttlMs)), 'NX', 'GET'])
      return previous === null || previous === undefined ? null : String(previous)
    }))
  }

  async setMany(entries: readonly [string, string | Buffer][], ttlMs: number, announce: Announcement | undefined, replicas: number): Promise<void> {
    const keys = entries.map(([key]) => key)
    const setAll = (ix: number[], via: (key: string, args: Args) => Promise<unknown>) =>
      Promise.all(ix.map((i) => via(keys[i]!, ['SET', keys[i]!, entries[i]![1], 'PX', String(toTtl(ttlMs))])))
    if (replicas === 0) await setAll(keys.map((_, i) => i), (key, args) => this.sender.send(key, args))
    else {
      // WAIT counts the writes of its own connection: send each node's SETs and one WAIT on the connection to it.
      await Promise.all((await this.#byNode(keys)).map(async ([node, indexes]) => {
        const [, acknowledged] = await Promise.all([setAll(indexes, (_key, args) => node.sendCommand(args)), node.sendCommand(['WAIT', String(replicas), '1000'])])
        if (!(Number(acknowledged) >= replicas)) throw replicaShortfall(Number(acknowledged), replicas)
      }))
    }
    if (announce) await this.publish(announce.channel, announce.payload)
  }

  /** Indexes of `keys` grouped by the connection that serves them: the one client, or each slot's master on a cluster. */
  async #byNode(keys: readonly string[]): Promise<[NodeClient, number[]][]> {
    if (keys.length === 0) return []
    if (!this.cluster) return [[await this.sender.nodeFor(keys[0]!), keys.map((_, i) => i)]]
    const groups = groupBySlot(keys)
    const nodes = await Promise.all(groups.map(({ indexes }) => this.sender.nodeFor(keys[indexes[0]!]!)))
    const byNode = new Map<NodeClient, number[]>()
    groups.forEach(({ indexes }, g) => {
      const group = byNode.get(nodes[g]!)
      if (group) group.push(...indexes)
      else byNode.set(nodes[g]!, [...indexes])
    })
    return [...byNode]
  }

  async unlink(keys: readonly string[], announce: Announcement | undefined): Promise<number> {
    const counts = await this.#perSlot(keys, async (ix) => {
      const n = Number(await this.sender.send(keys[ix[0]!], ['UNLINK', ...ix.map((i) => keys[i]!)]))
      return ix.map((_, j) => (j === 0 ? n : 0))
    })
    if (announce) await this.publish(announce.channel, announce.payload)
    return counts.reduce((a, b) => a + b, 0)
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return Number(await this.sender.send(key, ['EVAL', DELETE_IF_EQUALS, '1', key, value])) === 1
  }

  async incrWithTtl(key: string, delta: number, ttlMs: number): Promise<number> {
    return Number(await this.sender.send(key, ['EVAL', INCR_WITH_TTL, '1', key, String(delta), String(toTtl(ttlMs))]))
  }

  async pexpire(key: string, ttlMs: number): Promise<boolean> {
    return Number(await this.sender.send(key, ['PEXPIRE', key, String(toTtl(ttlMs))])) === 1
  }

  async publish(channel: string, payload: string): Promise<void> {
    await this.sender.send(undefined, ['PUBLISH', channel, payload])
  }

  async ping(): Promise<void> {
    await this.sender.send(undefined, ['PING'])
  }

  async deleteMatching(pattern: string): Promise<void> {
    await Promise.all((await this.sender.masters()).map(async (node) => {
      let cursor = '0'
      do {
        const [next, keys] = (await node.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [string, string[]]
        cursor = String(next)
        if (keys.length > 0) await this.unlink(keys, undefined)
      } while (cursor !== '0')
    }))
  }

  subscribe(channel: string, handlers: SubscriptionHandlers, connection?: unknown): Subscription {
    return subscribeOn(async () => (connection as NodeClient | undefined) ?? this.sender.newConnection(), channel, handlers, connection === undefined)
  }
}

/**
 * Subscribes on connections made by `connect`, a new one (maybe to another node) whenever the
 * previous one ended; health drops whenever a message may have been missed.
 */
function subscribeOn(connect: () => Promise<NodeClient | undefined>, channel: string, handlers: SubscriptionHandlers, owned: boolean): Subscription {
  let closed = false
  let healthy = false
  let current: NodeClient | undefined
  let retry: NodeJS.Timeout | undefined
  /** Removes our listeners from the current client. */
  let detach = () => {}
  const setHealthy = (value: boolean) => {
    if (healthy === value || (value && closed)) return
    healthy = value
    handlers.onHealthChange(value)
  }
  const reopen = () => {
    setHealthy(false)
    if (owned && !closed && !retry) retry = setTimeout(() => void open(), RESUBSCRIBE_MS)
  }
  const open = async () => {
    retry = undefined
    if (closed) return
    let client: NodeClient | undefined
    try {
      client = await connect()
      if (!client) return reopen()
      current = client
      // This client's own: an ended client must not stay reachable through the next one's.
      const listeners: [string, (...args: unknown[]) => void][] = []
      const subscriber = client
      const on = (event: string, listener: (...args: unknown[]) => void) => {
        listeners.push([event, listener])
        subscriber.on(event, listener)
      }
      detach = () => {
        for (const [event, listener] of listeners) subscriber.off?.(event, listener)
      }
      let subscribed = false
      on('error', () => client === current && setHealthy(false))
      on('reconnecting', () => client === current && setHealthy(false))
      on('end', () => client === current && reopen())
      // node-redis subscribes again by itself after a reconnect, before it reports `ready`; the
      // first `ready` comes before our SUBSCRIBE is even sent, so it only counts once that was confirmed.
      on('ready', () => subscriber === current && subscribed && subscriber.isReady !== false && setHealthy(true))
      if (!client.isOpen) await client.connect()
      await subscriber.SUBSCRIBE(channel, (message) => subscriber === current && handlers.onMessage(Buffer.from(message)), true)
      subscribed = true
      if (subscriber === current) setHealthy(true)
    } catch {
      if (owned && client) client.destroy?.()
      if (client === current) reopen()
    }
  }
  void open()
  return {
    async close() {
      closed = true
      if (retry) clearTimeout(retry)
      setHealthy(false)
      const client = current
      current = undefined
      if (!client) return
      detach()
      if (owned) client.destroy?.()
      else await client.UNSUBSCRIBE?.(channel).catch(() => {})
    },
  }
}

const RESUBSCRIBE_MS = 50
