// What the Node case generators store for an expression: its value as JSON, or "!" and the
// name of the error it throws; and the short digest that stands for a long value in the data
// files (the tests compute the same digest of the sandbox's value).
"use strict";
const crypto = require("crypto");

exports.value = (expr) => {
  try {
    return JSON.stringify((0, eval)(expr));
  } catch (e) {
    return "!" + e.name;
  }
};

exports.digest = (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex").slice(0, 6);
