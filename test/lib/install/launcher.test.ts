import t from "tap";
import { LAUNCHER_MARK, launcherText, prefixProblem } from "../../../lib/install/launcher.ts";

t.test("a launcher is a #! script for the installed Node that imports one compiled entry", async (t) => {
  t.equal(
    launcherText("/usr/lib/ocf/resource.d/xen-ha/XenDomain", "/usr/lib/xen-ha", "bin/XenDomain.js"),
    [
      "#!/usr/lib/xen-ha/bin/node",
      `// XenDomain: ${LAUNCHER_MARK}; runs bin/XenDomain.js of the xen-ha copy in /usr/lib/xen-ha.`,
      'process.getBuiltinModule("node:module").enableCompileCache("/usr/lib/xen-ha/cache");',
      'import("file:///usr/lib/xen-ha/dist/bin/XenDomain.js");',
      "",
    ].join("\n"),
  );
});

t.test("a bundled agent (CommonJS) is loaded with require: no ES module loader on an agent's start", async (t) => {
  t.equal(
    launcherText("/usr/lib/ocf/resource.d/xen-ha/XenDomain", "/usr/lib/xen-ha", "bundle/XenDomain.cjs"),
    [
      "#!/usr/lib/xen-ha/bin/node",
      `// XenDomain: ${LAUNCHER_MARK}; runs bundle/XenDomain.cjs of the xen-ha copy in /usr/lib/xen-ha.`,
      'process.getBuiltinModule("node:module").enableCompileCache("/usr/lib/xen-ha/cache");',
      'process.getBuiltinModule("node:module").createRequire("/")("/usr/lib/xen-ha/dist/bundle/XenDomain.cjs");',
      "",
    ].join("\n"),
  );
  t.match(launcherText("/x/A", '/opt/we"ird#%', "bundle/A.cjs"), 'createRequire("/")("/opt/we\\"ird#%/dist/bundle/A.cjs")');
});

t.test("characters that mean something in a URL or a JS string stay literal", async (t) => {
  const text = launcherText("/x/A", '/opt/we"ird#%', "bin/A.js");
  t.match(text, 'enableCompileCache("/opt/we\\"ird#%/cache")');
  t.match(text, 'import("file:///opt/we%22ird%23%25/dist/bin/A.js")');
});

const prefixes: [string, RegExp | undefined][] = [
  ["/usr/lib/xen-ha", undefined],
  ["usr/lib/xen-ha", /not an absolute path/],
  ["/opt/xen ha", /white space/],
  [`/${"a".repeat(260)}`, /too long for a #! line/],
];
for (const [prefix, problem] of prefixes) {
  t.test(`prefix ${prefix.slice(0, 30)}`, async (t) => {
    const found = prefixProblem(prefix);
    if (problem) t.match(found, problem);
    else t.equal(found, undefined);
  });
}
