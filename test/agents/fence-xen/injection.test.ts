import t from "tap";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fenceXenParams } from "../../../agents/fence-xen/params.ts";
import { callLog } from "../../../lib/sim/index.ts";
import { domainsOn, fence, fenceLab, labOptions, startDomain } from "./support.ts";

/**
 * Shell metacharacters in every string option. fence_xen runs nothing through
 * a local shell, and quotes every word it sends to a dom0's shell over ssh
 * (the simulator's ssh splits the line as a shell would, and refuses shell
 * syntax). So a hostile value is either refused by its parameter's check, with
 * the parameter named, or travels as one literal word; no marker file is ever
 * created. Each row runs a reboot with a crash dump, so that the value passes
 * through every command fence_xen builds (list, dump-core, destroy, create).
 */
const marks = mkdtempSync(join(tmpdir(), "fence-inject-"));
t.teardown(() => rmSync(marks, { recursive: true, force: true }));
const HOSTILE = `$(touch ${marks}/m1);touch ${marks}/m2|touch ${marks}/m3&&touch ${marks}/m4\`touch ${marks}/m5\`'"\\>${marks}/m6`;

const rows: readonly { option: string; value: string; outcome: "refused" | "literal" }[] = [
  { option: "port", value: HOSTILE, outcome: "refused" },
  { option: "dom0_list", value: `dom0a ${HOSTILE}`, outcome: "refused" },
  { option: "username", value: HOSTILE, outcome: "refused" },
  { option: "identity_file", value: `/etc/${HOSTILE}`, outcome: "refused" },
  { option: "known_hosts_file", value: `/etc/${HOSTILE}`, outcome: "literal" },
  // no such file: refused as no executable before anything runs
  { option: "ssh_path", value: `/usr/bin/${HOSTILE}`, outcome: "refused" },
  { option: "dump_dir", value: `/var/${HOSTILE}`, outcome: "literal" },
  { option: "config_dir", value: `/etc/${HOSTILE}`, outcome: "literal" },
  { option: "lease_dir", value: `/srv/${HOSTILE}`, outcome: "literal" },
  { option: "dom0_node_map", value: `dom0a=${HOSTILE}`, outcome: "refused" },
  { option: "delay_if_running", value: `vm1:1;${HOSTILE}:1`, outcome: "refused" },
  { option: "separator", value: HOSTILE, outcome: "literal" },
  { option: "debug_file", value: HOSTILE, outcome: "refused" },
  { option: "action", value: HOSTILE, outcome: "refused" },
  { option: "ssh_host_key_policy", value: HOSTILE, outcome: "refused" },
  { option: "login_timeout", value: HOSTILE, outcome: "refused" },
];

t.test("the table covers every string parameter", async (t) => {
  const strings = Object.entries(fenceXenParams).filter(([, p]) => p.kind === "string").map(([name]) => (name === "plug" ? "port" : name));
  t.same(strings.filter((name) => !rows.some((row) => row.option === name)), []);
});

t.test("hostile values are refused or literal, never run", async (t) => {
  const lab = fenceLab(t, ["dom0a"]);
  await startDomain(lab, "dom0a", "vm1");
  for (const row of rows) {
    // missing_as_off: a hostile plug no dom0 lists still goes on to the create of reboot's on half
    const options = { ...labOptions(lab), dom0_list: "dom0a local", action: "reboot", port: "vm1", dump_core: "1", missing_as_off: "1", [row.option]: row.value };
    const run = await fence(lab, options);
    if (row.outcome === "refused") {
      t.equal(run.code, 1, `${row.option}: refused`);
      t.match(run.stderr, row.option === "action" ? /Unrecognised action/ : new RegExp(`Failed: ${row.option === "port" ? "plug" : row.option}: `), `${row.option}: the reason names it`);
    } else {
      t.pass(`${row.option}: ran with the value as a literal word (exit ${run.code})`);
    }
    t.same(readdirSync(marks), [], `${row.option}: no marker file was created`);
  }
  t.notOk(existsSync(join(marks, "m1")));
  const created = callLog(lab.root, "dom0a").filter((call) => call.tool === "xl" && call.argv[0] === "create");
  t.notOk(
    created.some((call) => call.argv.some((word) => word.startsWith("name=") && word.includes("touch"))),
    "the hostile plug, refused by the domain-name rule, never reached an xl create",
  );
  t.ok(domainsOn(lab, "dom0a").length + domainsOn(lab, "guest0").length <= 1, "vm1 never runs twice");
});
