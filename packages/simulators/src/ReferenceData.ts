/**
 * What the simulated systems know about the world: the item master (the
 * items of `sites/governance/uom.json` with a unit weight, case factor and
 * hazmat flag), customer ship-to addresses in NL / BE / DE, carriers (SCACs),
 * and per site: its outbound dock doors, GS1 company prefix for SSCCs, pick
 * locations and which system owns its inventory. Defaults match `sites/`;
 * the demo reads the real files and overrides them.
 */

export interface ItemMaster {
  readonly item: string
  /** Gross weight of one each, KG (decimal string). */
  readonly unitWeightKg: string
  /** Eaches per case (CS), as in uom.json. */
  readonly caseFactor: number
  readonly hazmat: boolean
  readonly description: string
}

export const DEFAULT_ITEMS: ReadonlyArray<ItemMaster> = [
  { item: "SKU-42", unitWeightKg: "0.450", caseFactor: 12, hazmat: false, description: "thermal label roll" },
  { item: "SKU-77", unitWeightKg: "1.200", caseFactor: 6, hazmat: false, description: "barcode scanner" },
  { item: "SKU-1263", unitWeightKg: "3.500", caseFactor: 4, hazmat: false, description: "label printer" },
  { item: "SKU-310", unitWeightKg: "0.800", caseFactor: 10, hazmat: false, description: "stretch film" },
  { item: "SKU-555", unitWeightKg: "2.250", caseFactor: 8, hazmat: true, description: "lithium battery pack (UN3480)" }
]

export interface ShipToAddress {
  readonly name: string
  readonly lines: ReadonlyArray<string>
  readonly city: string
  readonly postalCode: string
  readonly country: "NL" | "BE" | "DE"
  readonly timeZone: string
}

export const DEFAULT_ADDRESSES: ReadonlyArray<ShipToAddress> = [
  { name: "Bakker Techniek B.V.", lines: ["Keizersgracht 112"], city: "Amsterdam", postalCode: "1015 CW", country: "NL", timeZone: "Europe/Amsterdam" },
  { name: "Van Dijk Logistiek", lines: ["Stationsplein 4"], city: "Utrecht", postalCode: "3511 ED", country: "NL", timeZone: "Europe/Amsterdam" },
  { name: "Groothandel Jansen", lines: ["Industrieweg 31", "Hal 2"], city: "Eindhoven", postalCode: "5651 GB", country: "NL", timeZone: "Europe/Amsterdam" },
  { name: "Peeters & Zonen NV", lines: ["Meir 56"], city: "Antwerpen", postalCode: "2000", country: "BE", timeZone: "Europe/Brussels" },
  { name: "Brasserie Dupont SA", lines: ["Rue Neuve 20"], city: "Bruxelles", postalCode: "1000", country: "BE", timeZone: "Europe/Brussels" },
  { name: "Janssens Distributie", lines: ["Korenmarkt 7"], city: "Gent", postalCode: "9000", country: "BE", timeZone: "Europe/Brussels" },
  { name: "Müller Handels GmbH", lines: ["Hohe Straße 88"], city: "Köln", postalCode: "50667", country: "DE", timeZone: "Europe/Berlin" },
  { name: "Schmidt Versand KG", lines: ["Königsallee 14"], city: "Düsseldorf", postalCode: "40212", country: "DE", timeZone: "Europe/Berlin" },
  { name: "Hoffmann Werkzeuge", lines: ["Hafenstraße 3", "Tor 5"], city: "Duisburg", postalCode: "47119", country: "DE", timeZone: "Europe/Berlin" }
]

export interface CarrierInfo {
  readonly scac: string
  readonly name: string
  /** Base freight in EUR cents, plus per-kg cents. */
  readonly baseCents: number
  readonly perKgCents: number
}

export const DEFAULT_CARRIERS: ReadonlyArray<CarrierInfo> = [
  { scac: "DHLF", name: "DHL Freight", baseCents: 4_250, perKgCents: 38 },
  { scac: "PNLX", name: "PostNL Pakketten", baseCents: 2_990, perKgCents: 52 },
  { scac: "DPDE", name: "DPD", baseCents: 3_400, perKgCents: 45 },
  { scac: "GLSB", name: "GLS", baseCents: 3_150, perKgCents: 41 }
]

export type InventoryOwner = "WES" | "ERP"

export interface SiteInfo {
  readonly site: string
  /** Short code used in routes, lanes and locations ("RTM"). */
  readonly code: string
  readonly outboundDocks: ReadonlyArray<string>
  /** 7-digit GS1 company prefix of the site's SSCCs. */
  readonly gs1CompanyPrefix: string
  readonly inventoryOwner: InventoryOwner
}

export const DEFAULT_SITES: ReadonlyArray<SiteInfo> = [
  { site: "dc-rotterdam", code: "RTM", outboundDocks: ["RTM-D10", "RTM-D11", "RTM-D12", "RTM-D13"], gs1CompanyPrefix: "8712345", inventoryOwner: "WES" },
  { site: "dc-antwerp", code: "ANR", outboundDocks: ["ANR-D10", "ANR-D11"], gs1CompanyPrefix: "5412345", inventoryOwner: "ERP" }
]

/** Site info for `site`, falling back to a derived one for a site the defaults do not know. */
export const siteInfo = (site: string, known: ReadonlyArray<SiteInfo> = DEFAULT_SITES): SiteInfo =>
  known.find((s) => s.site === site) ?? {
    site,
    code: site.replace(/^dc-/, "").slice(0, 3).toUpperCase(),
    outboundDocks: [`${site.replace(/^dc-/, "").slice(0, 3).toUpperCase()}-D10`],
    gs1CompanyPrefix: "8700000",
    inventoryOwner: "WES"
  }

/** Stock level the inventory owner counts for every item at the start of a run. */
export const BASELINE_STOCK_EA = 100_000
