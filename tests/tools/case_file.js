// What the Node case generators share: re-running in the sandbox's setting (en-US, UTC), and
// writing their table to tests/data/NAME, or to `--out FILE` ("-": standard output).
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

// The tables only mean something in UTC with an en-US default locale: re-run `file` so.
exports.inUtcEnUs = (file) => {
  if (process.env.TZ === "UTC" && process.env.LC_ALL === "en_US.UTF-8") return;
  const env = { ...process.env, TZ: "UTC", LC_ALL: "en_US.UTF-8", LANG: "en_US.UTF-8" };
  const child = spawnSync(process.execPath, [file, ...process.argv.slice(2)], { env, stdio: "inherit" });
  process.exit(child.status === null ? 1 : child.status);
};

exports.writeTable = (argv, name, text) => {
  const at = argv.indexOf("--out");
  const out = at >= 0 ? argv[at + 1] : path.join(__dirname, "..", "data", name);
  if (out === "-") process.stdout.write(text);
  else fs.writeFileSync(out, text, "utf8");
};
