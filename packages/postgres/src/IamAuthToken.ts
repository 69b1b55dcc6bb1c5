import type { Signer, SignerConfig } from "@aws-sdk/rds-signer"
import { Effect, Redacted } from "effect"
import { unusablePassword } from "./ConnectionPassword.ts"

/** Who a token admits, and where: the token is bound to all four. */
export interface IamTokenTarget {
  readonly hostname: string
  readonly port: number
  readonly username: string
  readonly region: string
  /** Absent: the default chain (on ECS, the task role). */
  readonly credentials?: SignerConfig["credentials"]
}

/**
 * A fresh RDS IAM authentication token each time it runs, for `PgClientConfig.password`, which the
 * pool runs for every new connection. Signing is local (no AWS call; the credentials come from the
 * chain, cached until they near expiry). A token is valid for 15 minutes to open a connection;
 * the connection itself lives on after that.
 */
export const iamAuthToken = (target: IamTokenTarget): Effect.Effect<Redacted.Redacted> => {
  // The AWS SDK is loaded with the first token, not with the program: only DATABASE_AUTH=iam needs
  // it, and evaluating it took every other start some 40 ms (in a bundle it is a chunk of its own).
  let signer: Promise<Signer> | undefined
  const loadSigner = () =>
    signer ??= import("@aws-sdk/rds-signer").then(({ Signer }) =>
      new Signer({
        hostname: target.hostname,
        port: target.port,
        username: target.username,
        region: target.region,
        ...(target.credentials === undefined ? {} : { credentials: target.credentials })
      })
    )
  return Effect.tryPromise(() => loadSigner().then((loaded) => loaded.getAuthToken())).pipe(
    Effect.map((token) => Redacted.make(token)),
    Effect.catch((error) => unusablePassword("the RDS IAM token could not be signed", error.cause))
  )
}
