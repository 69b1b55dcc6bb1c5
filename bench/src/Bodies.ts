const CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF", "SEK", "PLN", "CAD"]

/** A deterministic pseudo-random generator (mulberry32): the same bodies on every run. */
const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

/**
 * `count` different valid POST /orders bodies: 1-5 items, varied customers, SKUs, quantities,
 * prices and currencies (about 100-400 bytes each), as JSON text.
 */
export const orderBodies = (count: number, seed = 42): Array<string> => {
  const random = generator(seed)
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  return Array.from({ length: count }, () =>
    JSON.stringify({
      customerId: `customer-${between(1, 50_000)}`,
      items: Array.from({ length: between(1, 5) }, () => ({
        sku: `SKU-${between(1, 9_999)}.${between(0, 9)}`,
        quantity: between(1, 20),
        unitPriceCents: between(50, 250_000)
      })),
      currency: CURRENCIES[between(0, CURRENCIES.length - 1)]!
    }))
}
