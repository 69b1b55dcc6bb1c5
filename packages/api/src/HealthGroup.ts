import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { ErrorBodies } from "./ErrorBodies.ts"

export const LiveStatus = Schema.Struct({ status: Schema.Literal("live") }).annotations({ identifier: "LiveStatus" })

export const ReadyStatus = Schema.Struct({
  status: Schema.Literal("ready"),
  schemaVersion: Schema.Int.annotations({ description: "Highest applied migration" })
}).annotations({ identifier: "ReadyStatus" })

export class HealthGroup extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("live", "/health/live")
      .addSuccess(LiveStatus)
      .annotate(OpenApi.Summary, "The process is up (never touches the database)")
  )
  .add(
    HttpApiEndpoint.get("ready", "/health/ready")
      .addSuccess(ReadyStatus)
      .addError(ErrorBodies.NotReady, { status: 503 })
      .annotate(OpenApi.Summary, "The database answers and its schema is current")
  )
  .annotate(OpenApi.Description, "Probes for load balancers and orchestrators")
{}
