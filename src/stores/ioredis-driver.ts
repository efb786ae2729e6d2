/**
 * The Redis driver on ioredis, for a `Redis` (one server) and a `Cluster`. On one server every
 * operation is the one command or pipeline it always was. On a cluster, the bucketed key layout
 * puts a read's keys in one slot: a hit's MGET goes straight to the slot's master (ClusterReads),
 * a miss's scripts through the cluster client; keys that span slots are grouped by slot, one
 * command per group (in parallel; ioredis routes each and follows MOVED/ASK). Writes that must be
 * confirmed by replicas go as one pipeline per node ending in WAIT, since WAIT counts the writes
 * of the connection it is sent on.
 */
import type { ChainableCommander, Cluster, Redis } from 'ioredis'
import { ClusterReads } from './cluster-reads.js'
import { commonSlot, groupBySlot, oneSlot } from './slots.js'
import type { LockRequest, LookupAndLock } from './store.js'
import {
  DELETE_IF_EQUALS, INCR_WITH_TTL, LOOKUP_AND_LOCK, SET_AND_UNLOCK, escapeGlob, lookupAndLockInBatch, replicaShortfall, setAndUnlockInBatch, toTtl,
  type Announcement, type BatchCommand, type BatchReply, type RedisDriver, type Subscription, type SubscriptionHandlers,
} from './redis-driver.js'

type ScriptedPipeline = ChainableCommander & { pqcDeleteIfEquals(key: string, value: string): ChainableCommander }

type Scripted = (Redis | Cluster) & {
  [lookupAndLock: `pqcLookupAndLock${number}Buffer`]: (...args: (string | number)[]) => Promise<(Buffer | null)[]>
  pqcSetAndUnlock(key: string, lockKey: string, value: string | Buffer, ttlMs: number, token: string): Promise<number>
  pqcDeleteIfEquals(key: string, value: string): Promise<number>
  pqcIncrWithTtl(key: string, delta: number, ttlMs: number): Promise<number>
}

/** True for an ioredis `Redis` or `Cluster` (they define Lua commands; node-redis does not). */
export function isIoredis(client: unknown): boolean {
  const c = client as Record<string, unknown> | null
  return typeof c === 'object' && c !== null && typeof c.defineCommand === 'function' && typeof c.mgetBuffer === 'function'
}

/** A driver over an ioredis client the caller owns. */
export function ioredisDriver(client: unknown): RedisDriver {
  const c = client as Redis | Cluster
  const scripted = c as Scripted
  if (typeof scripted.pqcDeleteIfEquals !== 'function') c.defineCommand('pqcDeleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS })
  if (typeof scripted.pqcIncrWithTtl !== 'function') c.defineCommand('pqcIncrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL })
  if (typeof scripted.pqcSetAndUnlock !== 'function') c.defineCommand('pqcSetAndUnlock', { numberOfKeys: 2, lua: SET_AND_UNLOCK })
  return (c as { isCluster?: boolean }).isCluster === true ? new IoredisClusterDriver(c as Cluster, scripted) : new IoredisDriver(c as Redis, scripted)
}

/** One server: the commands of the store exactly as before clusters were supported. */
class IoredisDriver implements RedisDriver {
  readonly client = 'ioredis'
  readonly cluster: boolean = false
  constructor(readonly redis: Redis | Cluster, readonly scripted: Scripted) {}

  async mget(keys: readonly string[]): Promise<(Buffer | null)[]> {
    coalesceWrites(this.redis)
    return this.redis.mgetBuffer(...(keys as string[]))
  }

  async batch(commands: readonly BatchCommand[]): Promise<BatchReply[]> {
    const pipeline = this.redis.pipeline() as ScriptedPipeline
    for (const command of commands) queue(pipeline, command)
    return (await run(pipeline)).map((reply, i) => batchReply(commands[i]!, reply))
  }

  /** One script, one command: a pipeline of single commands costs each its own command overhead in the client. */
  async lookupAndLock(entryKey: string, versionKeys: readonly string[], initial: readonly string[], versionTtlMs: number, lock: LockRequest): Promise<LookupAndLock> {
    const ttl = toTtl(versionTtlMs)
    coalesceWrites(this.redis)
    const replies = await runLookupAndLock(this.scripted, versionKeys.length + 2, entryKey, ...versionKeys, lock.key, ...initial, ttl, lock.token, toTtl(lock.ttlMs))
    return {
      entry: replies[0] ?? undefined,
      versions: versionKeys.map((_, i) => replies[i + 1]?.toString() ?? initial[i]!),
      locked: replies[versionKeys.length + 1] != null,
    }
  }

  async setAndUnlock(key: string, value: string | Buffer, ttlMs: number, lock: { key: string; token: string }): Promise<void> {
    await this.scripted.pqcSetAndUnlock(key, lock.key, value, toTtl(ttlMs), lock.token)
  }

  async mgetWithTtl(keys: readonly string[]): Promise<[Buffer | null, number][]> {
    const pipeline = this.redis.pipeline().mgetBuffer(...(keys as string[]))
    for (const key of keys) pipeline.pttl(key)
    const results = await run(pipeline)
    return (results[0] as (Buffer | null)[]).map((value, i) => [value, Number(results[i + 1])])
  }

  async set(key: string, value: string | Buffer, ttlMs: number, onlyIfAbsent: boolean): Promise<boolean> {
    const reply = onlyIfAbsent ? await this.redis.set(key, value, 'PX', toTtl(ttlMs), 'NX') : await this.redis.set(key, value, 'PX', toTtl(ttlMs))
    return reply === 'OK'
  }

  async setNxGet(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<(string | null)[]> {
    const pipeline = this.redis.pipeline()
    keys.forEach((key, i) => pipeline.set(key, initial[i]!, 'PX', toTtl(ttlMs), 'NX', 'GET'))
    return (await run(pipeline)).map((previous) => (previous === null || previous === undefined ? null : String(previous)))
  }

  async setMany(entries: readonly [string, string | Buffer][], ttlMs: number, announce: Announcement | undefined, replicas: number): Promise<void> {
    if (entries.length === 1 && !announce && replicas === 0) return void (await this.set(entries[0]![0], entries[0]![1], ttlMs, false))
    const pipeline = this.redis.pipeline()
    for (const [key, value] of entries) pipeline.set(key, value, 'PX', toTtl(ttlMs))
    if (replicas > 0) pipeline.wait(replicas, WAIT_TIMEOUT_MS)
    if (announce) pipeline.publish(announce.channel, announce.payload)
    const results = await run(pipeline)
    if (replicas > 0) checkReplicas(results[entries.length], replicas)
  }

  async unlink(keys: readonly string[], announce: Announcement | undefined): Promise<number> {
    if (keys.length === 0) return 0
    if (!announce) return this.redis.unlink(...(keys as string[]))
    const results = await run(this.redis.pipeline().unlink(...(keys as string[])).publish(announce.channel, announce.payload))
    return Number(results[0])
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return (await this.scripted.pqcDeleteIfEquals(key, value)) === 1
  }

  async incrWithTtl(key: string, delta: number, ttlMs: number): Promise<number> {
    return Number(await this.scripted.pqcIncrWithTtl(key, delta, toTtl(ttlMs)))
  }

  async pexpire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.pexpire(key, toTtl(ttlMs))) === 1
  }

  async publish(channel: string, payload: string): Promise<void> {
    await this.redis.publish(channel, payload)
  }

  async ping(): Promise<void> {
    await this.redis.ping()
  }

  async deleteMatching(pattern: string): Promise<void> {
    const prefix = keyPrefixOf(this.redis)
    await scanNode(this.redis as Redis, prefix, pattern, (keys) => this.redis.unlink(...keys))
  }

  subscribe(channel: string, handlers: SubscriptionHandlers, connection?: unknown): Subscription {
    if (connection !== undefined) return subscribeOn(() => connection as Redis, channel, handlers, false)
    // Not lazy even when the application's client is: we only subscribe once the connection is ready.
    return subscribeOn(() => (this.redis as Redis).duplicate({ lazyConnect: false }), channel, handlers)
  }
}

const corked = new WeakSet<object>()

/**
 * Holds the client's socket writes until the end of this tick (`cork`, then `uncork` on the next
 * `process.nextTick`), so the reads sent in the same turn — the lookups of concurrent hits and
 * misses — go out in one system call instead of one each: a socket write costs ~30–45 µs of CPU
 * on a small VM, more than Redis spends on the command (findUnique hit with 50 in flight: 23k →
 * 39k reads/s). Reads only: a miss's background entry write held back to go out with the next
 * read's lookup made that lookup wait behind the write's script (a sequential Redis miss went from
 * ~920 to ~1,080 µs). Only a single-server client has a socket of its own (`stream`); writes of
 * the application's own commands in the same turn are merged too, in order.
 */
function coalesceWrites(redis: Redis | Cluster): void {
  const stream = (redis as Partial<Redis>).stream
  if (!stream || typeof stream.cork !== 'function' || corked.has(stream)) return
  corked.add(stream)
  stream.cork()
  process.nextTick(() => {
    corked.delete(stream)
    stream.uncork()
  })
}

/**
 * A cluster: one command per hash slot, in parallel. Pub/sub is classic (PUBLISH reaches every
 * node), so the subscription is a plain connection to any node, replaced when that node goes.
 */
class IoredisClusterDriver extends IoredisDriver {
  override readonly cluster = true
  readonly #reads: ClusterReads
  constructor(readonly clusterClient: Cluster, scripted: Scripted) {
    super(clusterClient, scripted)
    this.#reads = ClusterReads.for(clusterClient)
  }

  override async mget(keys: readonly string[]): Promise<(Buffer | null)[]> {
    // The bucketed layout puts a read's keys in one slot: the common case allocates no groups.
    const slot = commonSlot(keys)
    if (slot >= 0) return this.#reads.mget(keys, slot)
    const groups = groupBySlot(keys)
    const out = new Array<Buffer | null>(keys.length)
    await Promise.all(groups.map(async ({ indexes }) => {
      const values = await this.clusterClient.mgetBuffer(...indexes.map((i) => keys[i]!))
      indexes.forEach((index, j) => (out[index] = values[j] ?? null))
    }))
    return out
  }

  override async batch(commands: readonly BatchCommand[]): Promise<BatchReply[]> {
    const keys = commands.map((c) => c.key)
    if (oneSlot(keys)) return super.batch(commands)
    const groups = groupBySlot(keys)
    const out = new Array<BatchReply>(commands.length)
    await Promise.all(groups.map(async ({ indexes }) => {
      const part = await super.batch(indexes.map((i) => commands[i]!))
      indexes.forEach((index, j) => (out[index] = part[j]!))
    }))
    return out
  }

  /**
   * The script when every key shares a slot (the bucketed layout puts them there); a script may
   * not span slots, so otherwise single-key commands, one pipeline per slot.
   */
  override lookupAndLock(entryKey: string, versionKeys: readonly string[], initial: readonly string[], versionTtlMs: number, lock: LockRequest): Promise<LookupAndLock> {
    if (oneSlot([entryKey, lock.key, ...versionKeys])) return super.lookupAndLock(entryKey, versionKeys, initial, versionTtlMs, lock)
    return lookupAndLockInBatch(this, entryKey, versionKeys, initial, versionTtlMs, lock)
  }

  override setAndUnlock(key: string, value: string | Buffer, ttlMs: number, lock: { key: string; token: string }): Promise<void> {
    if (oneSlot([key, lock.key])) return super.setAndUnlock(key, value, ttlMs, lock)
    return setAndUnlockInBatch(this, key, value, ttlMs, lock)
  }

  override async mgetWithTtl(keys: readonly string[]): Promise<[Buffer | null, number][]> {
    const out = new Array<[Buffer | null, number]>(keys.length)
    await Promise.all(groupBySlot(keys).map(async ({ indexes }) => {
      const part = await super.mgetWithTtl(indexes.map((i) => keys[i]!))
      indexes.forEach((index, j) => (out[index] = part[j]!))
    }))
    return out
  }

  override async setNxGet(keys: readonly string[], initial: readonly string[], ttlMs: number): Promise<(string | null)[]> {
    const out = new Array<string | null>(keys.length)
    await Promise.all(groupBySlot(keys).map(async ({ indexes }) => {
      const part = await super.setNxGet(indexes.map((i) => keys[i]!), indexes.map((i) => initial[i]!), ttlMs)
      indexes.forEach((index, j) => (out[index] = part[j]!))
    }))
    return out
  }

  /** One pipeline per node (WAIT counts the writes of its own connection), then the announcement. */
  override async setMany(entries: readonly [string, string | Buffer][], ttlMs: number, announce: Announcement | undefined, replicas: number): Promise<void> {
    await Promise.all(this.#byNode(entries.map(([key]) => key)).map(async (indexes) => {
      const pipeline = this.clusterClient.pipeline()
      for (const i of indexes) pipeline.set(entries[i]![0], entries[i]![1], 'PX', toTtl(ttlMs))
      if (replicas > 0) pipeline.wait(replicas, WAIT_TIMEOUT_MS)
      const results = await run(pipeline)
      if (replicas > 0) checkReplicas(results[indexes.length], replicas)
    }))
    if (announce) await this.publish(announce.channel, announce.payload)
  }

  override async unlink(keys: readonly string[], announce: Announcement | undefined): Promise<number> {
    const counts = await Promise.all(groupBySlot(keys).map(({ indexes }) => this.clusterClient.unlink(...indexes.map((i) => keys[i]!))))
    if (announce) await this.publish(announce.channel, announce.payload)
    return counts.reduce((a, b) => a + b, 0)
  }

  /** SCAN runs per node: every master is walked; the keys found are unlinked per slot through the cluster (which routes them). */
  override async deleteMatching(pattern: string): Promise<void> {
    const prefix = keyPrefixOf(this.clusterClient)
    await Promise.all(this.clusterClient.nodes('master').map((node) => scanNode(node, prefix, pattern, async (keys, slots) => {
      await Promise.all(groupBySlot(slots).map(({ indexes }) => this.clusterClient.unlink(...indexes.map((i) => keys[i]!))))
    })))
  }

  override subscribe(channel: string, handlers: SubscriptionHandlers, connection?: unknown): Subscription {
    const subscription = connection !== undefined
      ? subscribeOn(() => connection as Redis, channel, handlers, false)
      : subscribeOn(() => {
        const nodes = this.clusterClient.nodes()
        const node = nodes[Math.floor(Math.random() * nodes.length)]
        return node?.duplicate({ lazyConnect: false, retryStrategy: () => null, readOnly: false })
      }, channel, handlers)
    // A message PUBLISHed on a node that died before relaying it over the cluster bus is lost
    // to every other node: when the cluster client sees a node go, the bus resynchronises (L1 emptied).
    const nodeGone = () => subscription.resync()
    this.clusterClient.on('-node', nodeGone)
    return {
      close: async () => {
        this.clusterClient.off('-node', nodeGone)
        await subscription.close()
      },
    }
  }

  /** Indexes of `keys` grouped by the master that serves their slot (by slot while the map is unknown). */
  #byNode(keys: readonly string[]): number[][] {
    const nodes = new Map<string, number[]>()
    for (const { slot, indexes } of groupBySlot(keys)) {
      const node = this.clusterClient.slots[slot]?.[0] ?? `slot:${slot}`
      const group = nodes.get(node)
      if (group) group.push(...indexes)
      else nodes.set(node, [...indexes])
    }
    return [...nodes.values()]
  }
}

/** How long a version bump waits for its replicas before it counts as failed (and is retried). */
const WAIT_TIMEOUT_MS = 1000

function checkReplicas(reply: unknown, wanted: number): void {
  const acknowledged = Number(reply)
  if (!(acknowledged >= wanted)) throw replicaShortfall(acknowledged, wanted)
}

function queue(pipeline: ScriptedPipeline, command: BatchCommand): void {
  switch (command.op) {
    case 'get': return void pipeline.getBuffer(command.key)
    case 'setNxGet': return void pipeline.set(command.key, command.value, 'PX', toTtl(command.ttlMs), 'NX', 'GET')
    case 'set': return void (command.onlyIfAbsent ? pipeline.set(command.key, command.value, 'PX', toTtl(command.ttlMs), 'NX') : pipeline.set(command.key, command.value, 'PX', toTtl(command.ttlMs)))
    case 'deleteIfEquals': return void pipeline.pqcDeleteIfEquals(command.key, command.value)
  }
}

function batchReply(command: BatchCommand, reply: unknown): BatchReply {
  switch (command.op) {
    case 'get': return (reply as Buffer | null) ?? null
    case 'setNxGet': return reply === null || reply === undefined ? null : String(reply)
    case 'set': return reply === 'OK'
    case 'deleteIfEquals': return Number(reply) === 1
  }
}

/**
 * Runs the lookup script for `keys` keys, defined once per count. A fixed key count puts the entry
 * key first among the arguments: auto-pipelining on a cluster picks the node by the first
 * argument, which for a script with a variable key count would be the count itself, and the
 * pipeline then fails with "All keys in the pipeline should belong to the same slots allocation group".
 */
function runLookupAndLock(client: Scripted, keys: number, ...args: (string | number)[]): Promise<(Buffer | null)[]> {
  const name = `pqcLookupAndLock${keys}` as const
  if (typeof client[`${name}Buffer`] !== 'function') client.defineCommand(name, { numberOfKeys: keys, lua: LOOKUP_AND_LOCK })
  return client[`${name}Buffer`]!(...args)
}

/** Executes `pipeline`; throws the first command error. */
async function run(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? []
  for (const [error] of results) if (error) throw error
  return results.map(([, value]) => value)
}

/**
 * Walks `node` with SCAN for the keys matching `pattern` and hands them to `remove`. With the
 * client's `keyPrefix`, ioredis prefixes every command's keys but neither SCAN's pattern nor the
 * keys it replies: the pattern gets the prefix here, and `remove` gets the keys without it (as a
 * command takes them) and, for their hash slots, the keys as stored.
 */
async function scanNode(node: Redis, prefix: string, pattern: string, remove: (keys: string[], stored: string[]) => Promise<unknown>): Promise<void> {
  let cursor = '0'
  do {
    const [next, stored] = await node.scan(cursor, 'MATCH', escapeGlob(prefix) + pattern, 'COUNT', 1000)
    cursor = next
    if (stored.length > 0) await remove(prefix ? stored.map((key) => key.slice(prefix.length)) : stored, stored)
  } while (cursor !== '0')
}

/** The `keyPrefix` option of an ioredis client or cluster ('' without one). */
function keyPrefixOf(client: Redis | Cluster): string {
  return (client.options as { keyPrefix?: string }).keyPrefix ?? ''
}

/**
 * Subscribes to `channel` on connections made by `connect` (a new one whenever the previous one
 * ended: on a cluster, possibly to another node), or on the caller's connection when `owned` is
 * false (then ioredis reconnects it and we never close it). Health drops on any sign the
 * connection may have missed a message and comes back once SUBSCRIBE is confirmed again.
 */
function subscribeOn(connect: () => Redis | undefined, channel: string, handlers: SubscriptionHandlers, owned = true): Subscription & { resync(): void } {
  let closed = false
  let healthy = false
  let current: Redis | undefined
  let retry: NodeJS.Timeout | undefined
  /** Removes our listeners from the current connection. */
  let detach = () => {}
  const setHealthy = (value: boolean) => {
    if (healthy === value || (value && closed)) return
    healthy = value
    handlers.onHealthChange(value)
  }
  const open = () => {
    retry = undefined
    if (closed) return
    const connection = connect()
    if (!connection) return void (retry = setTimeout(open, RESUBSCRIBE_MS))
    current = connection
    // This connection's own: an ended connection must not stay reachable through the next one's.
    const listeners: [string, (...args: never[]) => void][] = []
    const on = (event: string, listener: (...args: never[]) => void) => {
      listeners.push([event, listener])
      connection.on(event, listener as (...args: unknown[]) => void)
    }
    detach = () => {
      for (const [event, listener] of listeners) connection.off(event, listener as (...args: unknown[]) => void)
    }
    const subscribe = () => void connection.subscribe(channel).then(() => connection === current && setHealthy(true), () => setHealthy(false))
    on('messageBuffer', (ch: Buffer, payload: Buffer) => {
      if (connection === current && ch.toString() === channel) handlers.onMessage(payload)
    })
    for (const event of ['close', 'reconnecting', 'error']) on(event, () => connection === current && setHealthy(false))
    on('end', () => {
      if (connection !== current) return
      setHealthy(false)
      if (owned && !closed) retry = setTimeout(open, RESUBSCRIBE_MS)
    })
    on('ready', subscribe)
    if (owned) connection.on('error', () => {}) // failures show as health; the connection is ours to silence
    if (connection.status === 'ready') subscribe()
  }
  open()
  return {
    resync() {
      const connection = current
      if (!healthy || !connection) return
      setHealthy(false)
      void connection.subscribe(channel).then(() => connection === current && setHealthy(true), () => {})
    },
    async close() {
      closed = true
      if (retry) clearTimeout(retry)
      setHealthy(false)
      const connection = current
      current = undefined
      if (!connection) return
      detach()
      if (owned) connection.disconnect()
      else await connection.unsubscribe(channel).catch(() => {})
    },
  }
}

/** Wait before a new subscription connection after one ended. */
const RESUBSCRIBE_MS = 50
