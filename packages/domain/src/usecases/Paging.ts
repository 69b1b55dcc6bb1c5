export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

/** The page size a request gets: its limit within 1 to MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when it gave none. */
export const pageSizeFor = (limit: number | undefined): number =>
  Math.min(Math.max(limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)

/**
 * A page of `size` items from rows read with one more than that: the extra row tells whether
 * another page exists without a count query. `nextCursor` resumes after the page's last item, and
 * is null on the last page.
 */
export const pageOf = <A>(rows: ReadonlyArray<A>, size: number, cursorAfter: (last: A) => string) => {
  const items = rows.slice(0, size)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > size && last !== undefined ? cursorAfter(last) : null }
}
