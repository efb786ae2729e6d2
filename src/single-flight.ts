/**
 * In-process single-flight. Concurrent identical misses share one database query — but only when
 * they saw the same dependency versions. A read that starts after a write resolved sees the new
 * versions and so never joins a query that began before that write (read-your-writes).
 */

/** What the leader of a flight produces for the joiners. */
export interface FlightResult {
  value: unknown
  /** Fresh copy for a joiner (results must not be shared between callers). */
  copy(): unknown
  /** The dependency versions the value was computed under; undefined when they are unknown. */
  deps?: [tag: string, version: string][]
}

interface Flight {
  signature: string
  promise: Promise<FlightResult>
}

/** Tracks in-flight fills by entry key. */
export class SingleFlight {
  readonly #flights = new Map<string, Flight[]>()

  /** The in-flight fill of `key` started under the same versions, if any. */
  find(key: string, signature: string): Promise<FlightResult> | undefined {
    return this.#flights.get(key)?.find((f) => f.signature === signature)?.promise
  }

  /** Runs `fill` as the flight of `key` under `signature`. */
  run(key: string, signature: string, fill: () => Promise<FlightResult>): Promise<FlightResult> {
    const promise = fill()
    const flight = { signature, promise }
    const list = this.#flights.get(key)
    if (list) list.push(flight)
    else this.#flights.set(key, [flight])
    const done = (): void => {
      const current = this.#flights.get(key)
      if (!current) return
      const rest = current.filter((f) => f !== flight)
      if (rest.length === 0) this.#flights.delete(key)
      else this.#flights.set(key, rest)
    }
    promise.then(done, done)
    return promise
  }

  /** Number of keys with a flight (for tests). */
  get size(): number {
    return this.#flights.size
  }
}
