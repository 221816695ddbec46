import t from "tap";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fenceXenMain } from "../../../agents/fence-xen/main.ts";
import { realFenceXenDeps } from "../../../agents/fence-xen/device.ts";
import { captureIo } from "../../support/capture-io.ts";
import { fixture } from "../../support/fixtures.ts";
import { scriptedRunner, type Step } from "../../support/scripted-runner.ts";

/**
 * fence_xen's exact toolstack conversations, on recorded xl output (xl 4.17:
 * vm1 running and a vm1--incoming left by a migration). Each row is the whole
 * list of commands, in order: nothing more may run.
 */
const LIST = fixture("xl/4.17/list.txt");
const EMPTY = fixture("xl/4.17/list-empty.txt");
const NOW = Date.UTC(2025, 10, 24, 16, 0, 0);
/** An identity file: fence_xen checks that it is a readable regular file; ssh is scripted here. */
const keyDir = mkdtempSync(join(tmpdir(), "fence-conv-"));
t.teardown(() => rmSync(keyDir, { recursive: true, force: true }));
const KEY = join(keyDir, "id_fence");
writeFileSync(KEY, "");
const STAMP = "2025-11-24T160000000Z";

const rows: readonly { name: string; stdin: Record<string, string>; steps: readonly Step[]; code: number; stdout: string }[] = [
  {
    name: "off with a crash dump: look, dump and destroy every copy, look again",
    stdin: { action: "off", port: "vm1", dom0_list: "local", dump_core: "yes", dump_dir: "/srv/dump" },
    steps: [
      { argv: ["xl", "list"], reply: { stdout: LIST } },
      { argv: ["xl", "list"], reply: { stdout: LIST } },
      { argv: ["xl", "dump-core", "vm1", `/srv/dump/${STAMP}-vm1.core`], reply: {} },
      { argv: ["xl", "destroy", "vm1"], reply: {} },
      { argv: ["xl", "dump-core", "vm1--incoming", `/srv/dump/${STAMP}-vm1--incoming.core`], reply: {} },
      { argv: ["xl", "destroy", "vm1--incoming"], reply: {} },
      { argv: ["xl", "list"], reply: { stdout: EMPTY } },
    ],
    code: 0,
    stdout: "Success: Powered OFF\n",
  },
  {
    name: "status: one listing, no per-domain lookups",
    stdin: { action: "status", port: "vm1", dom0_list: "local" },
    steps: [{ argv: ["xl", "list"], reply: { stdout: LIST } }],
    code: 0,
    stdout: "Status: ON\n",
  },
  {
    name: "status over ssh: the toolstack call travels as ssh's remote words",
    stdin: { action: "status", port: "vm2", dom0_list: "dom0a", identity_file: KEY, username: "fence", missing_as_off: "1" },
    steps: [
      {
        argv: [
          "ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR",
          "-p", "22", "-l", "fence", "-i", KEY, "-T", "dom0a", "xl", "list",
        ],
        reply: { stdout: LIST },
      },
    ],
    code: 2,
    stdout: "Status: OFF\n",
  },
  {
    name: "xm: the same conversation with xm (recorded Xen 3.4 listing)",
    stdin: { action: "off", port: "vm16", dom0_list: "local", toolstack: "xm" },
    steps: [
      { argv: ["xm", "list"], reply: { stdout: fixture("xl/3.4-xm/list.txt") } },
      { argv: ["xm", "list"], reply: { stdout: fixture("xl/3.4-xm/list.txt") } },
      { argv: ["xm", "destroy", "vm16"], reply: {} },
      { argv: ["xm", "list"], reply: { stdout: "Name                                        ID   Mem VCPUs      State   Time(s)\nDomain-0                                     0  1024     2     r-----    100.0\n" } },
    ],
    code: 0,
    stdout: "Success: Powered OFF\n",
  },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const script = scriptedRunner(row.steps);
    const { io, out } = captureIo([], { PATH: "/usr/bin:/bin" }, Object.entries(row.stdin).map(([k, v]) => `${k}=${v}\n`).join(""));
    const code = await fenceXenMain(io, { ...realFenceXenDeps("fence_xen@test"), run: script.run, now: () => NOW });
    t.same(script.unexpected, [], "no call off the script");
    t.same(script.remaining(), [], "every scripted call was made");
    t.equal(code, row.code, out.stderr);
    t.equal(out.stdout, row.stdout);
  });
}
