/**
 * Least privilege. The README names one Redis ACL rule per store (key pattern `<namespace>:*`,
 * channel `<namespace>:bus`, a command list). On a Redis of its own, this file creates exactly
 * those users from the README's lines and runs the whole workload as them with the default bus
 * channel; another run records every command the library sends (`MONITOR`) and checks none is
 * outside the list — and never KEYS, FLUSHDB, FLUSHALL, CONFIG or DEBUG.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { connected, REDIS_STORE_KINDS, runRedisWorkload, type RedisStoreKind } from '../helpers/redis-workload.js'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const STORE_NAMES: Record<RedisStoreKind, string> = { redis: 'redisStore', tiered: 'tieredStore' }
const NEVER = ['keys', 'flushdb', 'flushall', 'config', 'debug']

/** The README's `ACL SETUSER` line for `store` (the line after `# <store>`), as arguments. */
function documentedRule(store: string): string[] {
  const match = new RegExp(`^# ${store}\\n(ACL SETUSER .+)$`, 'm').exec(README)
  if (!match) throw new Error(`README has no ACL rule for ${store}`)
  return match[1]!.split(/\s+/).slice(2)
}

/** The rule with the README's namespace `pqc`, user and password replaced by ours. */
function ruleFor(store: string, namespace: string, user: string, password: string): string[] {
  const [, ...rest] = documentedRule(store)
  return [user, ...rest.map((part) => part.replace(/^>secret$/, '>' + password).replace(/^([~&])pqc:/, `$1${namespace}:`))]
}

/** The commands a documented rule allows, lower-case. */
function allowedCommands(store: string): Set<string> {
  return new Set(documentedRule(store).filter((part) => part.startsWith('+')).map((part) => part.slice(1).toLowerCase()))
}

let db: TestDatabase
let server: RedisServer
beforeAll(async () => {
  ;[db, server] = await Promise.all([createTestDatabase(), startRedisServer()])
})
afterAll(async () => {
  await server?.stop()
  await db?.drop()
})

describe.each(REDIS_STORE_KINDS)('%s store', (kind) => {
  const store = STORE_NAMES[kind]

  it('runs the whole workload as a user limited to the README rule, with the default channel', async () => {
    const namespace = uniqueNamespace()
    const user = `app_${kind}`
    expect(await server.cli('ACL', 'SETUSER', ...ruleFor(store, namespace, user, 'pw'))).toBe('OK')
    // The rule really limits: another namespace, another channel, and admin commands are refused.
    const limited = await connected({ port: server.port, username: user, password: 'pw' })
    await expect(limited.get('other:key')).rejects.toThrow(/NOPERM/)
    await expect(limited.publish('other:bus', 'x')).rejects.toThrow(/NOPERM/)
    await expect(limited.flushdb()).rejects.toThrow(/NOPERM/)
    limited.disconnect()
    const errors = await runRedisWorkload(db, kind, namespace, { port: server.port, username: user, password: 'pw' })
    expect(errors.map((e) => e.message)).toEqual([])
  })

  it('sends no command outside the README list (MONITOR), and never KEYS/FLUSHDB/FLUSHALL/CONFIG/DEBUG', async () => {
    const monitor = await (await connected({ port: server.port })).monitor()
    const sent = new Set<string>()
    monitor.on('monitor', (_time: string, args: string[]) => sent.add(String(args[0]).toLowerCase()))
    try {
      // The default user may do anything, so a command outside the list would run and be seen.
      const errors = await runRedisWorkload(db, kind, uniqueNamespace(), { port: server.port })
      expect(errors.map((e) => e.message)).toEqual([])
    } finally {
      monitor.disconnect()
    }
    expect(sent.size).toBeGreaterThan(5)
    const allowed = allowedCommands(store)
    expect([...sent].filter((command) => !allowed.has(command))).toEqual([])
    for (const command of NEVER) expect(allowed.has(command)).toBe(false)
  })
})
