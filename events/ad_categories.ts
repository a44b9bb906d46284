// The ad categories, in their own module without dependencies, so the Mini App bundles this list and
// nothing of the event catalog.
export const adCategories = [
  "electronics",
  "vehicles",
  "home",
  "clothing",
  "kids",
  "hobby",
  "services",
  "other",
] as const;
export type AdCategory = typeof adCategories[number];
