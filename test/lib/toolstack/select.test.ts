import t from "tap";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OcfError } from "../../../lib/ocf/exit-code.ts";
import { findOnPath, selectToolstack, type ToolstackPreference } from "../../../lib/toolstack/select.ts";
import { scriptedRunner } from "../../support/scripted-runner.ts";

const dir = mkdtempSync(join(tmpdir(), "xen-ha-select-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** A bin directory holding the given programs; "noexec" ones lack the x bit. */
function binDir(name: string, programs: Record<string, "exec" | "noexec">): string {
  const bin = join(dir, name);
  mkdirSync(bin);
  for (const [program, mode] of Object.entries(programs)) {
    writeFileSync(join(bin, program), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, program), mode === "exec" ? 0o755 : 0o644);
  }
  return bin;
}

const both = binDir("both", { xl: "exec", xm: "exec" });
const xmOnly = binDir("xm-only", { xm: "exec" });
const xlNoExec = binDir("xl-noexec", { xl: "noexec", xm: "exec" });
const none = binDir("none", {});

function choose(preference: ToolstackPreference, path: string, pretendMissing = false): string | number {
  try {
    const toolstack = selectToolstack({
      preference,
      pretendMissing,
      run: scriptedRunner([]).run,
      env: { PATH: path },
      callTimeoutMs: (cap) => cap,
    });
    return toolstack.name;
  } catch (error) {
    if (error instanceof OcfError) return error.exitCode;
    throw error;
  }
}

const cases: readonly { name: string; preference: ToolstackPreference; path: string; pretendMissing?: boolean; expect: string | number }[] = [
  { name: "auto prefers xl when both are installed", preference: "auto", path: both, expect: "xl" },
  { name: "auto falls back to xm", preference: "auto", path: `${none}:${xmOnly}`, expect: "xm" },
  { name: "a non-executable xl does not count", preference: "auto", path: xlNoExec, expect: "xm" },
  { name: "forcing xm on a host with both", preference: "xm", path: both, expect: "xm" },
  { name: "forcing xl where only xm exists is 'not installed'", preference: "xl", path: xmOnly, expect: 5 },
  { name: "nothing on PATH is 'not installed'", preference: "auto", path: none, expect: 5 },
  { name: "OCF_TESTER_FAIL_HAVE_BINARY means 'not installed'", preference: "auto", path: both, pretendMissing: true, expect: 5 },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(choose(c.preference, c.path, c.pretendMissing), c.expect);
  });
}

t.test("findOnPath searches the given PATH in order, not the process's", async (t) => {
  t.equal(findOnPath("xm", `${xmOnly}:${both}`), join(xmOnly, "xm"));
  t.equal(findOnPath("xl", ""), undefined);
  t.equal(findOnPath("xl", undefined), undefined);
});
