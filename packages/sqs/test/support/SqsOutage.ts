import { LOOPBACK_HOST } from "@order-platform/dev-services"
import { Effect } from "effect"
import * as Net from "node:net"

/** A TCP proxy in front of the emulator that can make SQS unreachable and bring it back. */
export interface SqsOutage {
  /** Give clients this endpoint instead of the emulator's. */
  readonly endpoint: string
  /** Drops open connections and resets every new one until `end`: the client sees the network fail. */
  readonly begin: Effect.Effect<void>
  /** Until `end`, nothing moves in either direction, as when the SQS process is stopped (SIGSTOP). */
  readonly freeze: Effect.Effect<void>
  readonly end: Effect.Effect<void>
}

/**
 * Stopping the emulator itself would lose its queues; resetting connections in front of it is an
 * outage the SDK cannot tell from a real one, and the queues are still there when it ends.
 */
export const sqsOutageProxy = (emulatorPort: number) =>
  Effect.acquireRelease(
    Effect.callback<
      {
        readonly server: Net.Server
        readonly sockets: Set<Net.Socket>
        readonly state: { down: boolean; frozen: boolean }
      }
    >(
      (resume) => {
        const sockets = new Set<Net.Socket>()
        const state = { down: false, frozen: false }
        const track = (socket: Net.Socket) => {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => socket.destroy())
        }
        const server = Net.createServer((client) => {
          if (state.down) return void client.resetAndDestroy()
          track(client)
          const upstream = Net.connect(emulatorPort, LOOPBACK_HOST)
          track(upstream)
          client.pipe(upstream).pipe(client)
          // After pipe(), which would resume them.
          if (state.frozen) {
            client.pause()
            upstream.pause()
          }
          upstream.on("close", () => client.destroy())
          client.on("close", () => upstream.destroy())
        })
        server.listen(0, LOOPBACK_HOST, () => resume(Effect.succeed({ server, sockets, state })))
      }
    ),
    ({ server, sockets }) =>
      Effect.callback<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(
    Effect.map(({ server, sockets, state }): SqsOutage => ({
      endpoint: `http://${LOOPBACK_HOST}:${(server.address() as Net.AddressInfo).port}`,
      begin: Effect.sync(() => {
        state.down = true
        for (const socket of sockets) socket.resetAndDestroy()
      }),
      freeze: Effect.sync(() => {
        state.frozen = true
        for (const socket of sockets) socket.pause()
      }),
      end: Effect.sync(() => {
        state.down = false
        state.frozen = false
        for (const socket of sockets) socket.resume()
      })
    }))
  )
