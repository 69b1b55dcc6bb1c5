import { Schema } from "effect"

// Active ISO 4217 codes; a pattern alone would accept codes no payment system knows ("ABC").
const isoCurrencyCodes = new Set(
  (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN " +
    "BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS " +
    "GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW " +
    "KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD " +
    "NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD " +
    "SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES " +
    "VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG"
  ).split(" ")
)

export const Currency = Schema.String.check(
  // The `u` flag is what lets Effect 4 copy the pattern into the generated JSON Schema.
  Schema.isPattern(/^[A-Z]{3}$/u, { message: "currency must be 3 upper-case letters (ISO 4217)" }),
  Schema.makeFilter((code: string) => isoCurrencyCodes.has(code) || `currency ${code} is not an ISO 4217 code`)
).pipe(Schema.brand("Currency"))
export type Currency = typeof Currency.Type
