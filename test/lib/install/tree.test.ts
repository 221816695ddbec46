import t from "tap";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedAncestors, normaliseModes, replaceTree } from "../../../lib/install/tree.ts";

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), "xen-ha-tree-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test("modes: directories 0755, executables 0755, everything else 0644, whatever they were", async (t) => {
  const dir = scratch();
  mkdirSync(join(dir, "sub"), { mode: 0o700 });
  writeFileSync(join(dir, "sub", "data"), "x", { mode: 0o600 });
  writeFileSync(join(dir, "tool"), "x", { mode: 0o700 });
  normaliseModes(dir);
  const mode = (path: string) => statSync(join(dir, path)).mode & 0o777;
  t.same([mode("."), mode("sub"), mode("sub/data"), mode("tool")], [0o755, 0o755, 0o644, 0o755]);
});

t.test("replaceTree swaps a staged tree in and drops the old one", async (t) => {
  const dir = scratch();
  mkdirSync(join(dir, "target"));
  writeFileSync(join(dir, "target", "old"), "old");
  mkdirSync(join(dir, "staging"));
  writeFileSync(join(dir, "staging", "new"), "new");
  replaceTree(join(dir, "staging"), join(dir, "target"));
  t.equal(readFileSync(join(dir, "target", "new"), "utf8"), "new");
  t.notOk(existsSync(join(dir, "target", "old")));
  t.notOk(existsSync(join(dir, "staging")));
  t.notOk(existsSync(join(dir, `target.old-${process.pid}`)));
});

t.test("closedAncestors names the directories other users cannot traverse", async (t) => {
  const dir = scratch();
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "open"), { mode: 0o755 });
  mkdirSync(join(dir, "open", "closed"));
  chmodSync(join(dir, "open", "closed"), 0o700);
  t.same(closedAncestors(join(dir, "open", "closed", "agent")).filter((d) => d.startsWith(dir)), [join(dir, "open", "closed")]);
  t.same(closedAncestors(join(dir, "open", "agent")).filter((d) => d.startsWith(dir)), []);
});
