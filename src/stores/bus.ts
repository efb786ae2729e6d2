/**
 * The invalidation bus of a tiered store: Redis pub/sub on a connection of its own. Other
 * processes' version bumps, overwrites, deletes and clears arrive here and *evict* the keys from
 * this process's L1 (messages carry no values, so nothing is ever updated from the bus).
 * While the connection is down the bus reports itself unhealthy, and the tiered store stops
 * serving from L1 until the subscription is back and L1 has been emptied (resynchronised).
 * On a cluster the bus uses classic pub/sub (see the README, "Redis Cluster").
 */
import { randomBytes } from 'node:crypto'
import type { Subscription, SubscriptionHandlers } from './redis-driver.js'

/**
 * A message on the bus: `del` evicts keys another process changed in L2, `clear` drops a prefix.
 * Messages never carry values: a receiver evicts and reads L2 again, which stays correct however
 * the message and the writer's own replies interleave.
 */
export type BusMessage =
  | { origin: string; type: 'del'; keys: string[] }
  | { origin: string; type: 'clear'; prefix: string }

/** Callbacks of a bus. */
export interface BusHandlers {
  onMessage(message: BusMessage): void
  /** Called when the bus goes down or comes back; L1 must be emptied either way. */
  onHealthChange(healthy: boolean): void
}

/** Something that can subscribe to a channel (the Redis store's driver). */
export type Subscribe = (channel: string, handlers: SubscriptionHandlers) => Subscription

/** A new origin: tags the announcements of one writer, so its own bus can tell them from the others'. */
export function newOrigin(): string {
  return randomBytes(8).toString('base64url')
}

/** Listens on one channel; ignores the messages of `origin` (the writes of the tiered store it serves). */
export class InvalidationBus {
  /** The channel, once known (`undefined` until the store learns its namespace). */
  channel: string | undefined
  /**
   * Counts messages received, health changes and this process's own changes to L2 (see
   * {@link countChange}), so a reader can tell whether one happened during its fetch.
   */
  sequence = 0
  #healthy = false
  #subscription: Subscription | undefined
  readonly #origin: string
  readonly #handlers: BusHandlers

  constructor(origin: string, handlers: BusHandlers) {
    this.#origin = origin
    this.#handlers = handlers
  }

  /** Starts listening on `channel` (once). */
  start(channel: string, subscribe: Subscribe): void {
    if (this.#subscription) return
    this.channel = channel
    this.#subscription = subscribe(channel, {
      onMessage: (payload) => this.#receive(payload),
      onHealthChange: (healthy) => this.#setHealthy(healthy),
    })
  }

  /**
   * Counts a change this process makes to L2. Its announcement is ignored here, yet a fetch that
   * overlaps the change may have read the old value: such a fetch must not copy it into L1.
   */
  countChange(): void {
    this.sequence++
  }

  /** True while the subscription is live: only then may L1 serve. */
  get healthy(): boolean {
    return this.#healthy
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.#setHealthy(false)
    await this.#subscription?.close()
  }

  #receive(payload: Buffer): void {
    this.sequence++
    const message = parseMessage(payload)
    if (message && message.origin !== this.#origin) this.#handlers.onMessage(message)
  }

  #setHealthy(healthy: boolean): void {
    if (this.#healthy === healthy) return
    this.#healthy = healthy
    this.sequence++
    this.#handlers.onHealthChange(healthy)
  }
}

/**
 * The message in `payload`, or `undefined` for anything else: the channel is open to every client
 * of the server, so a payload that is not JSON, or not of the shape we publish, is ignored.
 */
function parseMessage(payload: Buffer): BusMessage | undefined {
  let message: unknown
  try {
    message = JSON.parse(payload.toString())
  } catch {
    return undefined
  }
  if (typeof message !== 'object' || message === null) return undefined
  const { type, keys, prefix, origin: from } = message as Record<string, unknown>
  // Evicting is always safe: a message of the right shape without an origin (another tool's) is honoured.
  const origin = typeof from === 'string' ? from : ''
  if (type === 'del' && Array.isArray(keys) && keys.every((key) => typeof key === 'string')) return { origin, type, keys: keys as string[] }
  if (type === 'clear' && typeof prefix === 'string') return { origin, type, prefix }
  return undefined
}
