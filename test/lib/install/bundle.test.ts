import t from "tap";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCommand } from "../../../lib/exec/command.ts";
import { bundledEntry, bundleEntries } from "../../../lib/install/bundle.ts";

/**
 * The agents' bundles start tools with start-node.js: bundleEntries puts
 * lib/exec/start-node.js in place of start-execa.js where command.js imports
 * it, and refuses a bundle that execa reaches any other way. Shown on a
 * miniature dist/ with a stand-in execa package.
 */
function miniatureDist(files: Readonly<Record<string, string>>): string {
  const dist = mkdtempSync(join(tmpdir(), "xen-ha-bundle-"));
  t.teardown(() => rmSync(dist, { recursive: true, force: true }));
  const all = {
    "node_modules/execa/package.json": '{"name":"execa","type":"module","main":"index.js"}',
    "node_modules/execa/index.js": 'export const execa = () => "EXECA-WAS-BUNDLED";',
    "lib/exec/start-execa.js": 'import { execa } from "execa";\nexport const startProcess = () => execa();',
    "lib/exec/start-node.js": 'export const startProcess = () => "child_process";',
    "lib/exec/command.js": 'import { startProcess } from "./start-execa.js";\nexport const runCommand = () => startProcess();',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    writeFileSync(join(dist, path), text);
  }
  return dist;
}

t.test("an agent that runs tools through command.js gets the node:child_process backend", async (t) => {
  const dist = miniatureDist({ "bin/Agent.js": 'import { runCommand } from "../lib/exec/command.js";\nconsole.log(runCommand());' });
  await bundleEntries(dist, ["bin/Agent.js"]);
  const bundle = readFileSync(join(dist, bundledEntry("bin/Agent.js")), "utf8");
  t.match(bundle, /lib\/exec\/start-node\.js/);
  t.notMatch(bundle, /EXECA-WAS-BUNDLED|start-execa/);
});

t.test("a bundle that execa reaches by any other import is refused", async (t) => {
  const dist = miniatureDist({ "bin/Agent.js": 'import { execa } from "execa";\nconsole.log(execa());' });
  await t.rejects(bundleEntries(dist, ["bin/Agent.js"]), /bin\/Agent\.js: the agent's bundle must not contain execa, but holds \S*node_modules\/execa\/index\.js/);
});

t.test("start-execa.js imported from elsewhere than command.js is not replaced, and so refused", async (t) => {
  const dist = miniatureDist({ "bin/Agent.js": 'import { startProcess } from "../lib/exec/start-execa.js";\nconsole.log(startProcess());' });
  await t.rejects(bundleEntries(dist, ["bin/Agent.js"]), /must not contain execa/);
});

t.test("a bundle is ASCII but in raw templates, and the code means what it meant", async (t) => {
  const dist = miniatureDist({
    "bin/Agent.js": 'const table = {\n  // kept by esbuild: doc § 4.7, naïve\n  name: "é😀§",\n};\nconsole.log(JSON.stringify([table.name, /^[§😀]+$/u.test("§😀"), /^§+$/.test("§§"), String.raw`ü`]));\n',
  });
  await bundleEntries(dist, ["bin/Agent.js"]);
  const file = join(dist, bundledEntry("bin/Agent.js"));
  const bundle = readFileSync(file, "utf8");
  t.match(bundle, /doc \\u00a7 4\.7, na\\u00efve/, "the comment is still there, escaped");
  t.same(bundle.match(/[^\x00-\x7f]/g), ["ü"], "nothing but ASCII, but in a raw template (where an escape would change the text)");
  const ran = await runCommand(process.execPath, [file], { timeoutMs: 20_000, env: { NODE_OPTIONS: "" } });
  t.same(JSON.parse(ran.stdout), ["é😀§", true, true, "ü"], ran.stderr);
});
