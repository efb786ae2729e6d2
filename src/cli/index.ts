#!/usr/bin/env node
/**
 * `prisma-query-cache`: the cache of a shared Redis from the command line — `stats`, `inspect`,
 * `invalidate`, `clear`, `warm`. Exit code 0 on success, 1 on failure, 2 on bad usage; `--json`
 * prints one JSON document on stdout.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import type { Redis } from 'ioredis'
import { CacheConfigError } from '../errors.js'
import { resolveOptions } from '../options.js'
import { UsageError, type GlobalOptions } from './output.js'
import { connect } from './redis.js'

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** Runs the CLI on `argv` (as `process.argv`) and resolves its exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`)
      return 2
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

function buildProgram(): Command {
  const program = new Command('prisma-query-cache')
    .description('Inspect and operate the prisma-query-cache entries of a Redis')
    .version(version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addOption(new Option('--redis <url>', 'Redis URL').env('REDIS_URL'))
    .option('--namespace <name>', 'key namespace of the cache (cacheExtension({ namespace }))', 'pqc')
    .option('--channel <name>', "bus channel of the tiered stores, if not '<namespace>:bus' (tieredStore({ channel }))")
    .option('--json', 'print one JSON document instead of text', false)
    .action(() => {
      program.outputHelp({ error: true })
      throw new CommanderError(2, 'commander.missingCommand', 'a command is required')
    })

  program.command('stats')
    .description('entries, bytes and TTLs per model and operation (SCAN in batches)')
    .action(withRedis(program, async (redis, options) => {
      // Each command loads its own modules: a quick command does not pay for the others (or Prisma's runtime).
      const { printStats, stats } = await import('./stats.js')
      printStats(options, await stats(redis, options))
    }))

  program.command('inspect')
    .description('each entry of a model (or one key): age, TTL, size, dependencies, whether still valid')
    .argument('<model|key>', 'a Prisma model name (e.g. User) or a full key of the namespace')
    .option('--limit <n>', 'entries to list (all are counted)', positiveInteger, 50)
    .action((target: string, opts: { limit: number }, cmd: Command) =>
      withRedis(program, async (redis, options) => {
        const { inspect, printInspect } = await import('./inspect.js')
        printInspect(options, await inspect(redis, options, target, opts.limit))
      })(cmd))

  program.command('invalidate')
    .description('invalidate every entry depending on the given models and/or tags')
    .option('--models <A,B>', 'Prisma model names, comma-separated')
    .option('--tags <x,y>', 'user tags, comma-separated')
    .action((opts: { models?: string; tags?: string }, cmd: Command) =>
      withRedis(program, async (redis, options) => {
        const { invalidate, nameList, printInvalidate } = await import('./invalidate.js')
        printInvalidate(options, await invalidate(redis, options, nameList(opts.models), nameList(opts.tags)))
      })(cmd))

  program.command('clear')
    .description("delete every key of the namespace (only this namespace's keys)")
    .option('-y, --yes', 'do not ask for confirmation', false)
    .action((opts: { yes: boolean }, cmd: Command) =>
      withRedis(program, async (redis, options) => {
        const { clear, printClear } = await import('./clear.js')
        printClear(options, await clear(redis, options, opts.yes))
      })(cmd))

  program.command('warm')
    .description('run the reads of <module> through the cache: it exports `prisma` and a default async function called with the cached client')
    .argument('<module>', 'path of an ES module (.js/.mjs; .ts when run through tsx)')
    .option('--ttl <seconds>', 'TTL of entries stored by reads without their own', positiveNumber, 60)
    .action((modulePath: string, opts: { ttl: number }, cmd: Command) =>
      withRedis(program, async (redis, options) => {
        const { printWarm, warm } = await import('./warm.js')
        printWarm(options, await warm(redis, options, modulePath, opts.ttl))
      })(cmd))

  return program
}

/** A command action that gets a connected Redis and the global options, and always disconnects. */
function withRedis(program: Command, run: (redis: Redis, options: GlobalOptions) => Promise<void>) {
  return async (..._args: unknown[]): Promise<void> => {
    const options = globalOptions(program)
    const redis = await connect(options.redis)
    try {
      await run(redis, options)
    } finally {
      redis.disconnect()
    }
  }
}

function globalOptions(program: Command): GlobalOptions {
  const o = program.opts<{ redis?: string; namespace: string; channel?: string; json: boolean }>()
  if (!o.redis) throw new UsageError('no Redis: pass --redis <url> or set REDIS_URL')
  try {
    resolveOptions({ namespace: o.namespace })
  } catch (error) {
    if (error instanceof CacheConfigError) throw new UsageError(`--namespace: ${error.message.replace(/^\[prisma-query-cache\] namespace: /, '')}`)
    throw error
  }
  if (o.channel !== undefined && o.channel.length === 0) throw new UsageError('--channel: expected a non-empty channel name')
  return { redis: o.redis, namespace: o.namespace, channel: o.channel ?? `${o.namespace}:bus`, json: o.json }
}

function positiveInteger(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer >= 1')
  return n
}

function positiveNumber(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0')
  return n
}

process.exitCode = await main(process.argv)
