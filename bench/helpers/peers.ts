/**
 * The other Prisma caching extensions live in bench/peers (their own package.json and lockfile,
 * never root dependencies). They are loaded from there at run time; a missing or broken peer
 * becomes a reason in the table instead of a crash.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const peersDir = fileURLToPath(new URL('../peers/', import.meta.url))
const requireFromPeers = createRequire(join(peersDir, 'package.json'))

/** A peer module with its installed version, or why it could not be loaded. */
export type LoadedPeer = { module: any; version: string } | { error: string }

/** Installs bench/peers from its lockfile when its node_modules is missing (skipped with BENCH_NO_INSTALL=1). */
export function ensurePeersInstalled(): string | undefined {
  if (existsSync(join(peersDir, 'node_modules'))) return undefined
  if (process.env.BENCH_NO_INSTALL === '1') return 'bench/peers not installed (npm install --prefix bench/peers)'
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(npm, ['ci', '--prefix', peersDir, '--no-audit', '--no-fund'], { stdio: 'pipe', encoding: 'utf8' })
  return result.status === 0 ? undefined : `npm ci --prefix bench/peers failed: ${(result.stderr || '').trim().split('\n').slice(-1)[0]}`
}

/** Loads `name` from bench/peers/node_modules. */
export async function loadPeer(name: string): Promise<LoadedPeer> {
  try {
    const entry = resolvePeer(name)
    const module: unknown = await import(pathToFileURL(entry).href)
    return { module, version: peerVersion(name, entry) }
  } catch (error) {
    return { error: `cannot load ${name}: ${(error as Error).message.split('\n')[0]}` }
  }
}

/**
 * The entry file of `name`. Packages whose `exports` only have an `import` condition (such as
 * prisma-smart-cache) cannot be resolved with require: read their package.json instead.
 */
function resolvePeer(name: string): string {
  try {
    return requireFromPeers.resolve(name)
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error
    const dir = join(peersDir, 'node_modules', name)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports?: Record<string, { import?: string } | string>; main?: string }
    const dot = pkg.exports?.['.']
    const entry = typeof dot === 'string' ? dot : (dot?.import ?? pkg.main)
    if (!entry) throw error
    return join(dir, entry)
  }
}

/** The version in the package.json of the installed peer. */
function peerVersion(name: string, entry: string): string {
  let dir = dirname(entry)
  while (dir !== dirname(dir)) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === name) return pkg.version ?? '?'
    }
    dir = dirname(dir)
  }
  return '?'
}

/** The callable export of a CommonJS or ESM module (`default`, `default.default`, or a named one). */
export function exportOf(module: any, name?: string): any {
  if (name) return module[name] ?? module.default?.[name]
  const d = module.default
  return typeof d === 'function' ? d : d?.default
}
