/**
 * A redis-server that speaks only TLS, with a certificate authority made for the test: openssl
 * creates a CA, and a server certificate for localhost/127.0.0.1 signed by it. Stopped by `stop()`
 * (and killed when the test process exits).
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { promisify } from 'node:util'
import { freePort } from './broken-redis.js'
import { waitFor } from './redis-server.js'

const run = promisify(execFile)

/** A TLS-only Redis and the CA that signed its certificate. */
export interface TlsRedis {
  readonly port: number
  /** `rediss://localhost:<port>` */
  readonly url: string
  /** PEM of the CA that signed the server certificate. */
  readonly ca: Buffer
  /** PEM of another CA, which did not. */
  readonly otherCa: Buffer
  stop(): Promise<void>
}

/** Makes the certificates and starts `redis-server --port 0 --tls-port <free port>`. */
export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'pqc-tls-'))
  const file = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir })
  for (const ca of ['ca', 'other-ca']) {
    await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${ca}.key`), '-out', file(`${ca}.pem`), '-days', '1', '-subj', `/CN=pqc test ${ca}`)
  }
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost')
  await run('sh', ['-c', `printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ${file('san.ext')}`])
  await openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '1', '-extfile', file('san.ext'))
  const port = await freePort()
  const child = spawn('redis-server', [
    '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1',
    '--tls-cert-file', file('server.pem'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.pem'),
    '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir,
  ], { stdio: 'ignore' })
  const kill = () => child.kill('SIGKILL')
  process.on('exit', kill)
  const ca = await readFile(file('ca.pem'))
  await waitFor(() => handshakes(port, ca), `TLS redis-server on port ${port} did not start`)
  return {
    port,
    url: `rediss://localhost:${port}`,
    ca,
    otherCa: await readFile(file('other-ca.pem')),
    async stop() {
      process.off('exit', kill)
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        kill()
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function handshakes(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca }, () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}
