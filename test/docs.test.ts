// The API reference (npm run docs) documents every export: TypeDoc's validation runs here
// without writing the site, and typedoc.json turns its warnings into errors, so an export
// added without a doc comment (or a broken {@link}) fails the tests instead of the reference.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

test("every export of the package is documented (typedoc --emit none)", () => {
  const r = spawnSync(process.execPath, ["node_modules/typedoc/bin/typedoc", "--emit", "none"], { cwd: root, encoding: "utf8" });
  // eslint-disable-next-line no-control-regex
  const out = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  assert.equal(r.status, 0, `typedoc reported:\n${out}`);
  assert.doesNotMatch(out, /\[warning\]|\[error\]/, out);
});
