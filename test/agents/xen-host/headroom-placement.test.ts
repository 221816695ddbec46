import t, { type Test } from "tap";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulate } from "../../../lib/cib/plan/simulate.ts";
import { runningOn } from "../../../lib/cib/plan/transition.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { writeSampleConfig } from "../../../lib/sim/index.ts";
import { SKIP_PACEMAKER, toolContext } from "../../lib/cib/support/tools.ts";
import { xenHostStage, type XenHostStage } from "../../support/xen-host-stage.ts";

/**
 * The figure at work (doc/xen-host.md §9): three simulated dom0s, each with
 * XenHost (reserve_from_cib) writing its xen-reserve-headroom-mib through the
 * real crm_attribute into one CIB file (CIB_file), then the real crm_simulate
 * placing a new domain, `new` (4096 MiB; a create needs 4098), by a location
 * rule on that figure. The CIB declares xen-ha-failures-tolerated=1, so each
 * host's share is the domains' total over two. Domains other than `new` are
 * target-role=Stopped, so that crm_simulate places only `new`; XenHost counts
 * every domain the CIB declares, whatever its role, and the simulated hosts
 * run them.
 */
const NODES = ["node1", "node2", "node3"] as const;
const NEED_MIB = 4098;

const domain = (id: string, name: string, memory: number, role?: string): string =>
  `<primitive id="${id}" class="ocf" provider="xen-ha" type="XenDomain">` +
  `<instance_attributes id="${id}-i"><nvpair id="${id}-n" name="name" value="${name}"/><nvpair id="${id}-x" name="xmfile" value="/etc/xen/${name}.cfg"/></instance_attributes>` +
  `<meta_attributes id="${id}-m"><nvpair id="${id}-s" name="resource-stickiness" value="300"/>${role ? `<nvpair id="${id}-r" name="target-role" value="${role}"/>` : ""}</meta_attributes>` +
  `<utilization id="${id}-u"><nvpair id="${id}-u-m" name="hv_memory" value="${memory}"/></utilization></primitive>`;

const PREFER_ROOM =
  `<rsc_location id="vm-new-room" rsc="vm-new"><rule id="vm-new-room-r" score="200">` +
  `<expression id="vm-new-room-e" attribute="xen-reserve-headroom-mib" operation="gte" value="${NEED_MIB}" type="number"/></rule></rsc_location>`;
const BAN_NO_ROOM =
  `<rsc_location id="vm-new-room" rsc="vm-new"><rule id="vm-new-room-r" score="-INFINITY">` +
  `<expression id="vm-new-room-e" attribute="xen-reserve-headroom-mib" operation="lt" value="${NEED_MIB}" type="number"/></rule></rsc_location>`;

function cib(domains: readonly string[], home: string, rule: string): string {
  return `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o-s" name="stonith-enabled" value="false"/>
      <nvpair id="o-p" name="enable-startup-probes" value="false"/>
      <nvpair id="o-f" name="xen-ha-failures-tolerated" value="1"/>
    </cluster_property_set></crm_config>
    <nodes>${NODES.map((n, i) => `<node id="${i + 1}" uname="${n}"/>`).join("")}</nodes>
    <resources>${domains.join("")}</resources>
    <constraints><rsc_location id="vm-new-home" rsc="vm-new" node="${home}" score="100"/>${rule}</constraints>
  </configuration>
  <status>${NODES.map((n, i) => `<node_state id="${i + 1}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member"/>`).join("")}</status>
</cib>
`;
}

async function create(s: XenHostStage, name: string, memoryMiB: number): Promise<void> {
  const result = await runCommand("xl", ["create", writeSampleConfig({ root: s.root, name, memoryMiB })], { timeoutMs: 30_000, env: s.env });
  if (result.exitCode !== 0) throw new Error(`xl create ${name}: ${result.stderr}`);
}

/** Three dom0s writing into one CIB file; `action` on each, then every node's headroom as the CIB file holds it. */
function cluster(t: Test, text: string) {
  const dir = mkdtempSync(join(tmpdir(), "xen-ha-headroom-"));
  const cibFile = join(dir, "cib.xml");
  writeFileSync(cibFile, text);
  const stages = NODES.map((node) => xenHostStage({ node }));
  t.teardown(() => {
    for (const s of stages) s.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = { CIB_file: cibFile, OCF_RESKEY_reserve_from_cib: "true" };
  return {
    cibFile,
    stages: stages as [XenHostStage, XenHostStage, XenHostStage],
    env,
    headrooms: async (action: string): Promise<Record<string, string | undefined>> => {
      for (const [i, s] of stages.entries()) {
        const result = await s.run(action, env);
        t.equal(result.code, 0, `${action} on ${NODES[i]}`, { stderr: result.stderr });
      }
      const status = await runCommand("cibadmin", ["--query", "--scope", "status"], { timeoutMs: 10_000, env: { CIB_file: cibFile } });
      return Object.fromEntries(
        NODES.map((node) => {
          const block = new RegExp(`<node_state[^>]*uname="${node}"[\\s\\S]*?</node_state>`).exec(status.stdout)?.[0] ?? "";
          return [node, /name="xen-reserve-headroom-mib" value="(-?\d+)"/.exec(block)?.[1]];
        }),
      );
    },
    /** One crm_simulate transition on the CIB file; the file then holds the cluster after it (vm-new started, moved...). */
    place: async (): Promise<readonly string[]> => {
      const { context, cleanup } = toolContext();
      try {
        const result = await simulate(context, readFileSync(cibFile, "utf8"), [[]]);
        if (!result.ok) throw new Error(`crm_simulate: ${result.message}`);
        writeFileSync(cibFile, result.state);
        const after = result.steps[0]?.transition.after;
        return after ? runningOn(after, "vm-new") : [];
      } finally {
        cleanup();
      }
    },
  };
}

/**
 * a (8192 MiB) and b (2048 MiB) run on node1, node3 runs a domain of its
 * own (6144 MiB, not the cluster's); new prefers node3 (home, 100) and room
 * for it (200). Share 14336 / 2 = 7168 MiB:
 *   node1 runs 10240, more than its share: reserve 0, headroom = free 4094;
 *   node2 runs nothing: 14336 free, reserve 7168, headroom 7168;
 *   node3: 8191 free, reserve 7168, headroom 1023.
 */
t.test("a preference on xen-reserve-headroom-mib places a domain where the reserve leaves room", { skip: SKIP_PACEMAKER }, async (t) => {
  const c = cluster(t, cib([domain("vm-a", "a", 8192, "Stopped"), domain("vm-b", "b", 2048, "Stopped"), domain("vm-new", "new", 4096)], "node3", PREFER_ROOM));
  const [node1, , node3] = c.stages;
  await create(node1, "a", 8192);
  await create(node1, "b", 2048);
  await create(node3, "scratch", 6144);
  const fresh = readFileSync(c.cibFile, "utf8");

  t.same(await c.headrooms("start"), { node1: "4094", node2: "7168", node3: "1023" }, "each XenHost published its headroom");
  const withFigures = readFileSync(c.cibFile, "utf8");
  t.same(await c.place(), ["node2"], "crm_simulate: vm-new starts on node2, the one host with room for it beyond its reserve");

  writeFileSync(c.cibFile, withFigures);
  const gone = await runCommand("xl", ["destroy", "scratch"], { timeoutMs: 30_000, env: node3.env });
  t.equal(gone.exitCode, 0, "node3's own domain is destroyed");
  t.same(await c.headrooms("monitor"), { node1: "4094", node2: "7168", node3: "7168" }, "node3's next monitor publishes the room it gained");
  t.same(await c.place(), ["node3"], "crm_simulate: vm-new now goes home to node3 (100 + 200 over node2's 200)");

  writeFileSync(c.cibFile, fresh);
  t.same(await c.place(), ["node3"], "the same cluster without the figures: home, by the node preference alone");
});

/**
 * Why doc/xen-host.md §9 says "a preference, never a ban": x (8192 MiB)
 * runs on node1, beyond its share (12288 / 2 = 6144): reserve 0, headroom =
 * free = 6143, room for new (home node1). Once new runs there, node1 has
 * 2046 MiB free and its headroom is 2046. A preference below the stickiness
 * (200 < 300) keeps new where it started; a ban of hosts without room
 * pushes it out of the host it was just placed on.
 */
for (const [rule, text, stays] of [
  ["a preference (200, stickiness 300)", PREFER_ROOM, true],
  ["a -INFINITY ban", BAN_NO_ROOM, false],
] as const) {
  t.test(`${rule} once the domain used the room it was placed by`, { skip: SKIP_PACEMAKER }, async (t) => {
    const c = cluster(t, cib([domain("vm-x", "x", 8192, "Stopped"), domain("vm-new", "new", 4096)], "node1", text));
    const [node1] = c.stages;
    await create(node1, "x", 8192);
    t.same(await c.headrooms("start"), { node1: "6143", node2: "8192", node3: "8192" }, "headrooms before");
    t.same(await c.place(), ["node1"], "vm-new starts on node1 (home, room for it)");
    await create(node1, "new", 4096);
    t.same(await c.headrooms("monitor"), { node1: "2046", node2: "8192", node3: "8192" }, "node1's headroom after new started there");
    const after = await c.place();
    if (stays) t.same(after, ["node1"], "vm-new stays on node1");
    else t.ok(after.length === 1 && after[0] !== "node1", `vm-new is pushed off node1 (now on ${after.join(", ")})`);
  });
}
