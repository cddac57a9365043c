// Writes the licence of every package that ends up in the bundle (the production
// dependency tree) next to it, as the licences require.
import { readFileSync, writeFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2];
const seen = new Map();
function visit(name) {
  if (seen.has(name)) return;
  const dir = join("node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  seen.set(name, { version: pkg.version, license: pkg.license, text: file ? readFileSync(join(dir, file), "utf8") : "" });
  for (const dep of Object.keys(pkg.dependencies || {})) visit(dep);
}
const root = JSON.parse(readFileSync("package.json", "utf8"));
for (const dep of Object.keys(root.dependencies)) visit(dep);
const parts = [...seen.keys()].sort().map((name) => {
  const p = seen.get(name);
  return `${name} ${p.version} (${p.license})\n${"-".repeat(72)}\n${p.text.trim()}\n`;
});
writeFileSync(out, "Third-party software bundled in editor.js\n\n" + parts.join("\n"));
if (!existsSync(out)) process.exit(1);
