import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { connect, createServer, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { TLSSocket } from "node:tls"

/** A private CA and a certificate it signed for `localhost` only (files in a temporary folder). */
export interface TestCertificates {
  readonly caPath: string
  readonly key: string
  readonly cert: string
}

export const testCertificates = Effect.acquireRelease(
  Effect.sync((): TestCertificates & { readonly dir: string } => {
    const dir = mkdtempSync(join(tmpdir(), "pg-tls-"))
    const openssl = (...args: ReadonlyArray<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" })
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test CA")
    openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    writeFileSync(
      join(dir, "server.ext"),
      "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    openssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      "server.ext",
      "-out",
      "server.pem"
    )
    return {
      dir,
      caPath: join(dir, "ca.pem"),
      key: readFileSync(join(dir, "server.key"), "utf8"),
      cert: readFileSync(join(dir, "server.pem"), "utf8")
    }
  }),
  ({ dir }) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** What the proxy saw. */
export interface PgTlsProxy {
  readonly port: number
  /** Client sessions that completed the TLS handshake and were passed on to the server. */
  readonly forwarded: () => number
}

const SSL_REQUEST_CODE = 80877103

/**
 * Stands in for a PostgreSQL server with TLS on (as RDS is): answers the driver's `SSLRequest`
 * with `S` and a TLS handshake, then relays the decrypted session to the plaintext test server.
 * `refuse` answers `N` (a server without TLS) instead.
 */
export const pgTlsProxy = (options: {
  readonly upstream: { readonly host: string; readonly port: number }
  readonly certificates: TestCertificates
  readonly mode: "tls" | "refuse"
}) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly proxy: PgTlsProxy; readonly close: () => Promise<void> }>((resume) => {
      let forwarded = 0
      const sockets = new Set<Socket>()
      const track = (socket: Socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
        socket.on("error", () => socket.destroy())
      }
      const server = createServer((client) => {
        track(client)
        client.once("data", (request: Buffer) => {
          if (request.length !== 8 || request.readInt32BE(4) !== SSL_REQUEST_CODE) return client.destroy()
          if (options.mode === "refuse") return client.end("N")
          client.write("S")
          const secure = new TLSSocket(client, {
            isServer: true,
            key: options.certificates.key,
            cert: options.certificates.cert
          })
          secure.on("error", () => client.destroy())
          secure.once("secure", () => {
            forwarded++
            const upstream = connect(options.upstream.port, options.upstream.host)
            track(upstream)
            upstream.on("close", () => secure.destroy())
            secure.on("close", () => upstream.destroy())
            secure.pipe(upstream).pipe(secure)
          })
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed({
          proxy: {
            port: typeof address === "object" && address !== null ? address.port : 0,
            forwarded: () => forwarded
          },
          close: () =>
            new Promise<void>((done) => {
              for (const socket of sockets) socket.destroy()
              server.close(() => done())
            })
        }))
      })
    }),
    ({ close }) => Effect.promise(close)
  ).pipe(Effect.map(({ proxy }) => proxy))
