import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { decodeCursor, decodeDlqCursor, encodeCursor, encodeDlqCursor } from "../src/index.ts"
import type { OrderId } from "../src/Order.ts"
import { newestFirst, pagingCursor } from "../src/PagingCursor.ts"
import { MAX_PAGE_SIZE, pageOf, pageSizeFor } from "../src/usecases/Paging.ts"

const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}` as OrderId

describe("paging cursors", () => {
  const cursor = pagingCursor({
    wire: Schema.Tuple([Schema.Literal("t"), Schema.Number]),
    toWire: (at: Date) => ["t", at.getTime()] as const,
    fromWire: ([, ms]) => new Date(ms)
  })

  it("a position survives the round trip as an opaque base64url string", () => {
    const at = new Date("2026-01-01T10:00:00.123Z")
    const encoded = cursor.encode(at)
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(Result.getOrThrow(cursor.decode(encoded))).toStrictEqual(at)
  })

  it("anything else is InvalidCursor naming the cursor", () => {
    for (const bad of ["", "not-a-cursor", Buffer.from("[\"u\",1]").toString("base64url")]) {
      const decoded = cursor.decode(bad)
      expect(Result.isFailure(decoded) && decoded.failure).toMatchObject({ _tag: "InvalidCursor", cursor: bad })
    }
  })

  it("an orders cursor is no DLQ cursor, nor the other way round", () => {
    const at = new Date("2026-01-01T10:00:00Z")
    const orders = encodeCursor({ createdAt: at, id: id(1) })
    const dlq = encodeDlqCursor({ failedAt: at, orderId: id(1) })
    expect(Result.getOrThrow(decodeCursor(orders))).toStrictEqual({ createdAt: at, id: id(1) })
    expect(Result.getOrThrow(decodeDlqCursor(dlq))).toStrictEqual({ failedAt: at, orderId: id(1) })
    expect(Result.isFailure(decodeCursor(dlq))).toBe(true)
    expect(Result.isFailure(decodeDlqCursor(orders))).toBe(true)
  })

  it("newest first, ties by id descending: a total order", () => {
    const rows = [
      { at: new Date(1_000), id: "a" },
      { at: new Date(2_000), id: "a" },
      { at: new Date(1_000), id: "b" }
    ]
    const compare = newestFirst<(typeof rows)[number]>((row) => row.at, (row) => row.id)
    expect([...rows].sort(compare).map((row) => `${row.at.getTime()}${row.id}`)).toStrictEqual([
      "2000a",
      "1000b",
      "1000a"
    ])
    expect(compare(rows[0]!, rows[0]!)).toBe(0)
  })
})

describe("pages", () => {
  it("the size asked for, within 1 and the maximum; the default when none", () => {
    expect([pageSizeFor(undefined), pageSizeFor(0), pageSizeFor(7), pageSizeFor(10_000)]).toStrictEqual([
      20,
      1,
      7,
      MAX_PAGE_SIZE
    ])
  })

  it("the extra row read says whether a next page exists; its cursor is after the page's last item", () => {
    expect(pageOf([1, 2, 3], 2, (last) => `after-${last}`)).toStrictEqual({ items: [1, 2], nextCursor: "after-2" })
    expect(pageOf([1, 2], 2, (last) => `after-${last}`)).toStrictEqual({ items: [1, 2], nextCursor: null })
    expect(pageOf([], 2, (last) => `after-${last}`)).toStrictEqual({ items: [], nextCursor: null })
  })
})
