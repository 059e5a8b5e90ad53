// The package as a test that runs generated code sees it: "tsbinder" (what the test itself
// uses: sessions, errors), "tsbinder/codegen" (what the generated code imports) and
// "tsbinder/transport" (connectSession), merged into one object. All three resolve to the
// same sources (vitest.config.ts), so a Parcel from one is a Parcel of the others.
export async function packageEntries(): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return { ...(await import("tsbinder")), ...(await import("tsbinder/codegen")), ...(await import("tsbinder/transport")) };
}
