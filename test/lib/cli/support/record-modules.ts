/**
 * Preloaded with `node --import` into a fresh `xen-ha` process: writes the URL
 * of every module the process loaded, one a line, to the file named by
 * XEN_HA_TEST_MODULES when it exits. How lazy-commands.test.ts sees what a
 * command imports without timing anything.
 */
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

const loaded = new Set<string>();
registerHooks({
  load(url, context, next) {
    loaded.add(url);
    return next(url, context);
  },
});
const file = process.env["XEN_HA_TEST_MODULES"];
if (file) process.on("exit", () => writeFileSync(file, [...loaded].join("\n") + "\n"));
