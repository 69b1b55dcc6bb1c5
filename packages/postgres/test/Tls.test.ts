import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { pgClientLayer } from "../src/PgClientLive.ts"
import { pgTlsProxy, type TestCertificates, testCertificates } from "./support/PgTlsProxy.ts"
import { freshDatabase, settingsFor, TestDatabaseUrl } from "./TestDatabase.ts"

const clientScript = fileURLToPath(new URL("./support/TlsClient.ts", import.meta.url))

interface Outcome {
  readonly ok: boolean
  readonly database?: string
  readonly error?: string
}

/** `PgClientLive` in a fresh Node process with exactly these variables (as on ECS). */
const connectInChildProcess = (env: Record<string, string>) =>
  Effect.callback<Outcome, Error>((resume) => {
    execFile(
      process.execPath,
      ["--conditions=@order-platform/source", clientScript],
      { env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split("\n").at(-1) ?? ""
        try {
          resume(Effect.succeed(JSON.parse(line) as Outcome))
        } catch {
          resume(Effect.fail(new Error(`client process failed: ${error?.message ?? ""}\n${stderr}`)))
        }
      }
    )
  })

/** The test database's URL, pointed at the proxy under another host name. */
const viaProxy = (url: string, host: string, port: number) => {
  const proxied = new URL(url)
  proxied.hostname = host
  proxied.port = `${port}`
  return proxied.toString()
}

const setup = (mode: "tls" | "refuse") =>
  Effect.gen(function*() {
    const url = yield* TestDatabaseUrl
    const certificates: TestCertificates = yield* testCertificates
    const server = new URL(url)
    const proxy = yield* pgTlsProxy({
      upstream: { host: server.hostname, port: Number(server.port || 5432) },
      certificates,
      mode
    })
    return { url, certificates, proxy, database: decodeURIComponent(server.pathname.slice(1)) }
  })

describe("DATABASE_SSL=true against a server with TLS (as RDS)", () => {
  it.layer(freshDatabase("tls"))((it) => {
    it.effect("connects over TLS when the server's CA is added with NODE_EXTRA_CA_CERTS", () =>
      Effect.gen(function*() {
        const { certificates, database, proxy, url } = yield* setup("tls")
        const outcome = yield* connectInChildProcess({
          DATABASE_URL: viaProxy(url, "localhost", proxy.port),
          DATABASE_SSL: "true",
          NODE_EXTRA_CA_CERTS: certificates.caPath
        })
        expect(outcome).toStrictEqual({ ok: true, database })
        expect(proxy.forwarded()).toBeGreaterThan(0)
      }))

    it.effect("verifies the certificate: a CA Node does not trust is refused", () =>
      Effect.gen(function*() {
        const { proxy, url } = yield* setup("tls")
        const outcome = yield* connectInChildProcess({
          DATABASE_URL: viaProxy(url, "localhost", proxy.port),
          DATABASE_SSL: "true"
        })
        expect(outcome.ok).toBe(false)
        expect(outcome.error).toContain("PostgreSQL is unreachable")
        expect(outcome.error).toMatch(/certificate/i)
        expect(proxy.forwarded()).toBe(0)
      }))

    it.effect("verifies the host name: a trusted certificate for another name is refused", () =>
      Effect.gen(function*() {
        const { certificates, proxy, url } = yield* setup("tls")
        const outcome = yield* connectInChildProcess({
          DATABASE_URL: viaProxy(url, "127.0.0.1", proxy.port),
          DATABASE_SSL: "true",
          NODE_EXTRA_CA_CERTS: certificates.caPath
        })
        expect(outcome.ok).toBe(false)
        expect(outcome.error).toMatch(/does not match certificate's altnames/)
        expect(proxy.forwarded()).toBe(0)
      }))

    it.effect("requires TLS: a server that declines it is not used in plaintext", () =>
      Effect.gen(function*() {
        const { proxy, url } = yield* setup("refuse")
        const error = yield* Layer.launch(
          pgClientLayer(settingsFor(viaProxy(url, "localhost", proxy.port), { ssl: true }))
        ).pipe(Effect.flip)
        expect(String(error)).toContain("PostgreSQL is unreachable: The server does not support TLS")
      }))
  })
})
