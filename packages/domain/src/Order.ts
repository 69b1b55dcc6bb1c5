import { Schema } from "effect"
import { Currency } from "./Currency.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { Uuid } from "./Uuid.ts"

export const OrderId = Uuid.pipe(Schema.brand("OrderId"))
export type OrderId = typeof OrderId.Type

export const CustomerId = Schema.Trim.check(
  Schema.isNonEmpty({ message: "customerId must not be empty" }),
  Schema.isMaxLength(64, { message: "customerId must be at most 64 characters" })
).pipe(Schema.brand("CustomerId"))
export type CustomerId = typeof CustomerId.Type

export const Sku = Schema.String.check(
  // The `u` flag is what lets Effect 4 copy the pattern into the generated JSON Schema.
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u, {
    message: "sku must be 1-64 characters of letters, digits, '.', '_' or '-'"
  })
).pipe(Schema.brand("Sku"))
export type Sku = typeof Sku.Type

export const MAX_QUANTITY = 10_000
export const MAX_UNIT_PRICE_CENTS = 100_000_000

export const Quantity = Schema.Number.check(
  Schema.isInt({ message: "quantity must be an integer" }),
  Schema.isGreaterThanOrEqualTo(1, { message: "quantity must be at least 1" }),
  Schema.isLessThanOrEqualTo(MAX_QUANTITY, { message: `quantity must be at most ${MAX_QUANTITY}` })
)

export const UnitPriceCents = Schema.Number.check(
  Schema.isInt({ message: "unitPriceCents must be an integer number of cents" }),
  Schema.isGreaterThanOrEqualTo(0, { message: "unitPriceCents must not be negative" }),
  Schema.isLessThanOrEqualTo(MAX_UNIT_PRICE_CENTS, {
    message: `unitPriceCents must be at most ${MAX_UNIT_PRICE_CENTS}`
  })
)

export const OrderItem = Schema.Struct({
  sku: Sku,
  quantity: Quantity,
  unitPriceCents: UnitPriceCents
})
export type OrderItem = typeof OrderItem.Type

export const MAX_ITEMS = 100

export const OrderItems = Schema.Array(OrderItem).check(
  Schema.isMinLength(1, { message: "items must contain at least 1 item" }),
  Schema.isMaxLength(MAX_ITEMS, { message: `items must contain at most ${MAX_ITEMS} items` })
)

export const OrderStatus = Schema.Literals(["PENDING", "PROCESSING", "PROCESSED", "FAILED"])
export type OrderStatus = typeof OrderStatus.Type

export const totalCentsOf = (items: ReadonlyArray<OrderItem>): number =>
  items.reduce((total, item) => total + item.quantity * item.unitPriceCents, 0)

export class Order extends Schema.Class<Order>("Order")({
  id: OrderId,
  customerId: CustomerId,
  items: OrderItems,
  currency: Currency,
  totalCents: NonNegativeInt,
  status: OrderStatus,
  attempts: NonNegativeInt,
  failureReason: Schema.NullOr(Schema.String),
  leaseExpiresAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  updatedAt: Schema.Date,
  version: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
}) {}
