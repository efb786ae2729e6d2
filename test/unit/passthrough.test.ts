/**
 * The passthrough mark on its own: recognised by the arguments object the query was sent with,
 * once that is seen to agree with AsyncLocalStorage; and AsyncLocalStorage kept as the mark when
 * the hook is handed a copy (a Prisma that clones the arguments before the first hook — simulated
 * here, since the Prisma we run does not).
 */
import { executionAsyncId } from 'node:async_hooks'
import { describe, expect, it, vi } from 'vitest'

type Module = typeof import('../../src/prisma/passthrough.js')

/** The module with its state as at start-up. */
async function fresh(): Promise<Module> {
  vi.resetModules()
  return import('../../src/prisma/passthrough.js')
}

/** True when a promise hook runs (some AsyncLocalStorage of the process is enabled): see promise-hooks.test.ts. */
async function promiseHookOn(): Promise<boolean> {
  await null
  return executionAsyncId() !== 0
}

/** What the query hook receives for a request sent with `args`. */
const hookParams = (args: object) => ({ model: 'User', operation: 'findMany', args: { ...args }, __internalParams: { args } })

describe('passthrough mark', () => {
  it('is the arguments object once the first query shows both marks agree; AsyncLocalStorage is then no longer consulted', async () => {
    const p = await fresh()
    const hook = (sent: object) => Promise.resolve(p.isPassthrough(hookParams(sent)))
    expect(p.passthroughMode()).toBe('verifying')
    expect(await p.runPassthrough({ where: { id: 1 } }, hook)).toBe(true)
    expect(p.passthroughMode()).toBe('identity')
    expect(await p.runPassthrough(undefined, hook)).toBe(true)
    // Equal arguments that were not passed down are a new read.
    expect(p.isPassthrough(hookParams({ where: { id: 1 } }))).toBe(false)
    // Inside a passthrough, a request sent with other arguments (an extension's own read) is a new read.
    expect(await p.runPassthrough({}, () => Promise.resolve(p.isPassthrough(hookParams({}))))).toBe(false)
    // A mark is used once: the same object seen again is a new read.
    let sent: object | undefined
    await p.runPassthrough({}, (a) => ((sent = a), hook(a)))
    expect(p.isPassthrough(hookParams(sent!))).toBe(false)
  })

  it('sends each query a copy of its own, so the same arguments may be passed down twice at once', async () => {
    const p = await fresh()
    const args = { take: 1 }
    const sent: object[] = []
    const hook = (a: object) => (sent.push(a), new Promise<boolean>((resolve) => setImmediate(() => resolve(p.isPassthrough(hookParams(a))))))
    expect(await Promise.all([p.runPassthrough(args, hook), p.runPassthrough(args, hook), p.runPassthrough(args, hook)])).toEqual([true, true, true])
    expect(new Set(sent).size).toBe(3)
    expect(sent.every((a) => a !== args)).toBe(true)
    expect(sent[0]).toEqual(args)
  })

  it('stays AsyncLocalStorage when the hook is handed a copy of the arguments, with the promise hook on only while a passthrough runs', async () => {
    const p = await fresh()
    expect(await promiseHookOn()).toBe(false)
    const hookSeesCopy = (sent: object) => Promise.resolve(p.isPassthrough(hookParams({ ...sent })))
    expect(await p.runPassthrough({ take: 1 }, hookSeesCopy)).toBe(true)
    expect(p.passthroughMode()).toBe('storage')
    expect(await p.runPassthrough({ take: 2 }, async (sent) => (await promiseHookOn()) && hookSeesCopy(sent))).toBe(true)
    expect(p.isPassthrough(hookParams({ take: 2 }))).toBe(false) // outside any passthrough
    expect(await promiseHookOn()).toBe(false)
  })
})
