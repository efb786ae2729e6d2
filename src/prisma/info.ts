/**
 * `withCacheInfo()`: the model methods run the query inside an AsyncLocalStorage scope holding a
 * sink; the query hook writes how it answered into the sink. Ordinary calls pay nothing for it,
 * and the storage is disabled again once no `withCacheInfo()` is running.
 */
import { ScopedStorage } from '../scoped-storage.js'
import type { CacheInfo } from '../types.js'

/** Where the query hook reports how it answered. */
export interface InfoSink {
  info: CacheInfo | undefined
}

const storage = new ScopedStorage<InfoSink>()

/** Records `info` for the `withCacheInfo()` call this query belongs to, if any. */
export function recordInfo(info: CacheInfo): void {
  const sink = storage.get()
  if (sink && sink.info === undefined) sink.info = info
}

/** The sink of the `withCacheInfo()` call we are inside, if any (free while none runs). */
export function currentInfoSink(): InfoSink | undefined {
  return storage.get()
}

/** Runs `run` and resolves its data together with how the cache answered it. */
export async function withInfo<T>(run: () => PromiseLike<T>): Promise<{ data: T; info: CacheInfo }> {
  const sink: InfoSink = { info: undefined }
  // then() must be called inside the scope: a Prisma promise starts its query on then().
  const data = await storage.run(sink, () => Promise.resolve(run()).then((value) => value))
  return { data, info: sink.info ?? { status: 'bypass' } }
}
