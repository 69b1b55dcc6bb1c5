import { describe, expect, it } from "vitest"
import { type DatabaseInfo, describeDatabase, durabilityOf } from "../src/Durability.ts"

describe("database durability", () => {
  it("is durable only when fsync is on and commits wait for their WAL flush", () => {
    expect(durabilityOf({ fsync: "on", synchronous_commit: "on" })).toBe("durable")
    expect(durabilityOf({ fsync: "on", synchronous_commit: "local" })).toBe("durable")
    expect(durabilityOf({ fsync: "on", synchronous_commit: "off" })).toBe("fast")
    expect(durabilityOf({ fsync: "off", synchronous_commit: "on" })).toBe("fast")
    expect(durabilityOf({ fsync: "on" })).toBe("unknown")
  })

  it("names the source and the settings read from the server in the header", () => {
    const embedded: DatabaseInfo = {
      source: "embedded",
      url: undefined,
      durability: "durable",
      fsync: "on",
      synchronousCommit: "on",
      fileSystem: "ext4"
    }
    expect(describeDatabase(embedded)).toMatch(
      /^embedded PostgreSQL \(default; --fast-db.*fsync=on, synchronous_commit=on, data on ext4 — durable/
    )
    expect(describeDatabase({ ...embedded, durability: "fast", fsync: "off", synchronousCommit: "off" }))
      .toMatch(/^embedded PostgreSQL \(--fast-db\): fsync=off, synchronous_commit=off.*NOT durable/)
    expect(describeDatabase({ ...embedded, source: "DATABASE_URL", url: "postgresql://u:***@db:5432/p" }))
      .toMatch(
        /^DATABASE_URL postgresql:\/\/u:\*\*\*@db:5432\/p: fsync=on, synchronous_commit=on as read from that server/
      )
  })
})
