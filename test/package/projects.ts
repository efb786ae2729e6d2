/**
 * Throwaway apps that install the packed tarball the way a user would (`npm install <tgz>`), for
 * test/package/tarball.test.ts. Apps that may share dependencies share one install root (Node,
 * TypeScript and esbuild all look up the parent folders' node_modules); an app that must not see
 * a package (ioredis) gets a root of its own. npm runs with the machine's cache, preferring it.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const repo = join(dirname(fileURLToPath(import.meta.url)), '../..')
const tsc = join(repo, 'node_modules/typescript/bin/tsc')
const esbuild = join(repo, 'node_modules/.bin/esbuild')
const prismaSchema = readFileSync(join(repo, 'prisma/schema.prisma'), 'utf8')

/** Environment for child processes: without the npm_* variables `npm test` sets, which would leak into their npm. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value
  return { ...env, ...extra }
}

/** What a finished child process printed. */
export interface Ran {
  code: number
  stdout: string
  stderr: string
}

/** Runs a command to the end; never rejects (the caller asserts on `code`). */
export function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: childEnv(env), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code !== 0 ? error.message : '') })
    })
  })
}

/** Like {@link run}, but throws with the output when the command fails. */
export async function mustRun(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  const ran = await run(command, args, cwd, env)
  if (ran.code !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${ran.code}:\n${ran.stdout}\n${ran.stderr}`)
  return ran
}

/** One file of the packed tarball, as `npm pack --json` lists it. */
export interface PackedFile {
  path: string
  size: number
}

/** `npm pack` of the repository (its prepack script builds dist/); the tarball goes to `into`. */
export async function packRepo(into: string): Promise<{ tarball: string; files: PackedFile[] }> {
  const ran = await mustRun('npm', ['pack', '--json', '--pack-destination', into], repo)
  const [packed] = JSON.parse(ran.stdout.slice(ran.stdout.indexOf('['))) as { filename: string; files: PackedFile[] }[]
  return { tarball: join(into, packed!.filename), files: packed!.files }
}

/** The version the repository's lockfile installs of a dev dependency, so the apps use the same (cached) ones. */
export function devVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
  const version = pkg.devDependencies[name]
  if (!version) throw new Error(`${name} is not a devDependency of the repository`)
  return `${name}@${version}`
}

/** A fresh install root under the OS temp folder with `packages` installed (npm `flags` added). */
export async function installRoot(name: string, packages: string[], flags: string[] = []): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), `pqc-pkg-${name}-`))
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: `pqc-pkg-${name}`, private: true }))
  await install(root, [...packages, ...flags])
  return root
}

/** `npm install` into an install root (packages and flags), from the cache when it can. */
export async function install(root: string, packages: string[]): Promise<void> {
  await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...packages], root)
}

/** What to write into one app. */
export interface AppSpec {
  /** ESM (`"type": "module"`) or CommonJS (no type field, as `npm init` writes it). */
  type: 'module' | 'commonjs'
  /** tsconfig.json compilerOptions. */
  compilerOptions: Record<string, unknown>
  /** Source files under src/. */
  files: Record<string, string>
  /** An app of the same module type whose generated client to copy instead of generating one. */
  clientFrom?: string
}

/** Writes an app folder with its package.json, tsconfig.json, sources and a generated Prisma client. */
export async function createApp(root: string, name: string, spec: AppSpec): Promise<string> {
  const dir = join(root, name)
  mkdirSync(join(dir, 'src'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...(spec.type === 'module' && { type: 'module' }) }, null, 2))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: spec.compilerOptions, include: ['src'] }, null, 2))
  for (const [file, text] of Object.entries(spec.files)) writeFileSync(join(dir, 'src', file), text)
  if (spec.clientFrom) cpSync(join(spec.clientFrom, 'src/generated'), join(dir, 'src/generated'), { recursive: true })
  else await generateClient(root, dir, spec.type)
  return dir
}

/** `prisma generate` with the app's own prisma CLI (offline: no native schema engine needed). */
async function generateClient(root: string, dir: string, type: AppSpec['type']): Promise<void> {
  const generator = [
    'generator client {',
    '  provider = "prisma-client"',
    '  output = "./src/generated/prisma"',
    `  moduleFormat = "${type === 'module' ? 'esm' : 'cjs'}"`,
    '  importFileExtension = "js"',
    '}',
  ].join('\n')
  writeFileSync(join(dir, 'schema.prisma'), prismaSchema.replace(/generator client \{[^}]*\}/, generator))
  await mustRun(process.execPath, [join(root, 'node_modules/prisma/build/index.js'), 'generate', '--schema', 'schema.prisma'], dir, {
    PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  })
}

/** Runs the repository's TypeScript on an app's tsconfig.json (extra flags such as --noEmit allowed). */
export function typeCheck(dir: string, ...flags: string[]): Promise<Ran> {
  return run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), ...flags], dir)
}

/** Bundles src/<entry> with esbuild as an app's bundler would, Prisma and the drivers left external. */
export function bundle(dir: string, entry: string, outfile: string): Promise<Ran> {
  const external = ['@prisma/client', '@prisma/adapter-pg', '@prisma/prisma-schema-wasm', 'pg', 'ioredis'].map((p) => `--external:${p}`)
  return run(esbuild, [join('src', entry), '--bundle', '--platform=node', '--format=esm', `--outfile=${outfile}`, ...external], dir)
}

/** The TypeScript block under "## Quick start" in the README. */
export function readmeQuickStart(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Quick start'))
  const match = /```ts\n([\s\S]*?)```/.exec(section)
  if (!match) throw new Error('README.md has no ```ts block under "## Quick start"')
  return match[1]!
}

/**
 * The Quick start as an ES module (top-level await) or as CommonJS (the body in an async main),
 * followed by `trailer` (statements that may use the Quick start's variables).
 */
export function quickStartModule(code: string, trailer: string, type: AppSpec['type']): string {
  const lines = code.trimEnd().split('\n')
  const imports = lines.filter((line) => line.startsWith('import '))
  const body = lines.filter((line) => !line.startsWith('import '))
  if (type === 'module') return [...imports, ...body, trailer].join('\n') + '\n'
  return [...imports, 'async function main(): Promise<void> {', ...body, trailer, '}', 'main().catch((error) => {', '  console.error(error)', '  process.exit(1)', '})'].join('\n') + '\n'
}

/** The JSON an app printed on its line starting with `tag`. */
export function reported<T>(stdout: string, tag: string): T {
  const line = stdout.split('\n').find((l) => l.startsWith(tag + ' '))
  if (!line) throw new Error(`no "${tag}" line in:\n${stdout}`)
  return JSON.parse(line.slice(tag.length + 1)) as T
}
