// The console marker a page logs its result after (see harness.ts); a file of its own so that
// page bundles can import it without pulling in the harness (node:http, playwright).
export const DONE = "@@wengert-done";
