/**
 * The invalidation bus of a tiered store: Redis pub/sub on a connection of its own. Other
 * processes' version bumps and overwrites arrive here and update or evict this process's L1.
 * While the connection is down the bus reports itself unhealthy, and the tiered store stops
 * serving from L1 until the subscription is back and L1 has been emptied (resynchronised).
 */
import { randomBytes } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'

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

/** Subscribes on its own connection; publishes through the store's regular client. */
export class InvalidationBus {
  readonly origin = randomBytes(8).toString('base64url')
  readonly channel: string
  /** Counts messages received, so a reader can tell whether one arrived during its fetch. */
  sequence = 0
  #healthy = false
  readonly #subscriber: Redis | Cluster
  readonly #handlers: BusHandlers

  constructor(subscriber: Redis | Cluster, channel: string, handlers: BusHandlers) {
    this.#subscriber = subscriber
    this.channel = channel
    this.#handlers = handlers
    subscriber.on('messageBuffer', (ch: Buffer, payload: Buffer) => this.#receive(ch, payload))
    for (const event of ['close', 'end', 'reconnecting', 'error']) subscriber.on(event, () => this.#setHealthy(false))
    subscriber.on('ready', () => void this.#subscribe())
    if ((subscriber as { status?: string }).status === 'ready') void this.#subscribe()
  }

  /** True while the subscription is live: only then may L1 serve. */
  get healthy(): boolean {
    return this.#healthy
  }

  /** The payload to publish for `message` (without origin). */
  encode(message: DistributiveOmit<BusMessage, 'origin'>): string {
    return JSON.stringify({ ...message, origin: this.origin })
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.#setHealthy(false)
    this.#subscriber.removeAllListeners('messageBuffer')
    await this.#subscriber.unsubscribe(this.channel).catch(() => {})
  }

  async #subscribe(): Promise<void> {
    try {
      await this.#subscriber.subscribe(this.channel)
      this.#setHealthy(true)
    } catch {
      this.#setHealthy(false)
    }
  }

  #receive(channel: Buffer, payload: Buffer): void {
    if (channel.toString() !== this.channel) return
    this.sequence++
    let message: BusMessage
    try {
      message = JSON.parse(payload.toString()) as BusMessage
    } catch {
      return // not ours
    }
    if (message.origin !== this.origin) this.#handlers.onMessage(message)
  }

  #setHealthy(healthy: boolean): void {
    if (this.#healthy === healthy) return
    this.#healthy = healthy
    this.sequence++
    this.#handlers.onHealthChange(healthy)
  }
}

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never
