import { PlatformStatsSnapshot } from "@order-platform/domain"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as OpenApi from "effect/http-api/OpenApi"
import { AdminAuth } from "./AdminAuth.ts"

/** Operator views of the whole platform; every endpoint requires the admin bearer token. */
export class AdminGroup extends HttpApiGroup.make("admin")
  .add(
    HttpApiEndpoint.get("stats", "/admin/stats", { success: PlatformStatsSnapshot })
      .annotate(OpenApi.Summary, "Orders by status, the outbox backlog and the dead-letter queue's size")
  )
  .middleware(AdminAuth)
  .annotate(OpenApi.Description, "Platform statistics (admin)")
{}
