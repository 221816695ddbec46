import t from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { reserveOf, type DomainNeed, type ReserveBasis } from "../../../agents/xen-host/checks/reserve.ts";
import { runCommand, type CommandRunner } from "../../../lib/exec/command.ts";
import { writeSampleConfig } from "../../../lib/sim/index.ts";
import type { Env } from "../../support/run-agent-in-process.ts";
import { xenHostStage, type XenHostStage } from "../../support/xen-host-stage.ts";

/**
 * The failover reserve (doc/xen-host.md §5): when F of the H hosts fail, the
 * survivors hold every domain, an equal share each; a host must have free
 * what its share exceeds the domains it runs. First the rule alone, then the
 * agent reading a real CIB file through the real cibadmin (CIB_file), with
 * the simulated toolstack's free_memory as the oracle for the figures.
 */
const need = (id: string, memoryMiB: number | undefined, name: string | undefined = id): DomainNeed => ({ id, name, memoryMiB });
const basis = (hosts: number, failures: number, domains: readonly DomainNeed[]): ReserveBasis => ({ hosts, failures, failuresFrom: "CIB", domains });

t.test("the rule", async (t) => {
  const rows: readonly { name: string; basis: ReserveBasis; here: readonly string[]; reserve: number; share: number }[] = [
    { name: "no domains: nothing to absorb", basis: basis(3, 1, []), here: [], reserve: 0, share: 0 },
    { name: "4 hosts, 1 failure, 6 GiB: a third each, none here", basis: basis(4, 1, [need("a", 2048), need("b", 2048), need("c", 2048)]), here: [], reserve: 2048, share: 2048 },
    { name: "the same host already runs its share", basis: basis(4, 1, [need("a", 2048), need("b", 2048), need("c", 2048)]), here: ["a"], reserve: 0, share: 2048 },
    { name: "runs part of its share", basis: basis(3, 1, [need("a", 1000), need("b", 3001)]), here: ["a"], reserve: 1001, share: 2001 },
    { name: "the share rounds up", basis: basis(3, 1, [need("a", 1), need("b", 2)]), here: [], reserve: 2, share: 2 },
    { name: "2 failures of 4", basis: basis(4, 2, [need("a", 4096), need("b", 4096)]), here: [], reserve: 4096, share: 4096 },
    { name: "failures ≥ hosts: one survivor takes everything", basis: basis(2, 5, [need("a", 512), need("b", 512)]), here: ["b"], reserve: 512, share: 1024 },
    { name: "unknown memory is left out (and reported yellow)", basis: basis(2, 1, [need("a", undefined), need("b", 700)]), here: [], reserve: 700, share: 700 },
    { name: "a domain of unknown name never counts as here", basis: basis(2, 1, [{ id: "a", name: undefined, memoryMiB: 700 }]), here: ["a"], reserve: 700, share: 700 },
    { name: "names match exactly (case matters to Xen)", basis: basis(2, 1, [need("Web", 700)]), here: ["web"], reserve: 700, share: 700 },
    { name: "a CIB without nodes counts as one host", basis: basis(0, 1, [need("a", 10)]), here: [], reserve: 10, share: 10 },
  ];
  for (const row of rows) {
    const r = reserveOf(row.basis, new Set(row.here));
    t.equal(r.reserveMiB, row.reserve, `${row.name}: reserve ${row.reserve}`);
    t.equal(r.shareMiB, row.share, `${row.name}: share ${row.share}`);
  }
});

interface CibDomain {
  readonly id: string;
  readonly name?: string;
  readonly memory?: number | string;
  readonly xmfile?: string;
  readonly agent?: string;
}

/** node1 (the agent's node) and hosts-1 more, the claim when given, the domains as the capacity templates write them. */
function cibFile(hosts: number, failures: number | undefined, domains: readonly CibDomain[]): string {
  const nodes = Array.from({ length: hosts }, (_, i) => `<node id="${i + 1}" uname="node${i + 1}"/>`).join("");
  const claim = failures === undefined ? "" : `<nvpair id="o-f" name="xen-ha-failures-tolerated" value="${failures}"/>`;
  const primitives = domains
    .map((d) => {
      const [klass, provider, type] = (d.agent ?? "ocf:xen-ha:XenDomain").split(":");
      const params = [d.xmfile === undefined ? "" : `<nvpair id="${d.id}-x" name="xmfile" value="${d.xmfile}"/>`, d.name === undefined ? "" : `<nvpair id="${d.id}-n" name="name" value="${d.name}"/>`].join("");
      const utilization = d.memory === undefined ? "" : `<utilization id="${d.id}-u"><nvpair id="${d.id}-u-m" name="hv_memory" value="${d.memory}"/></utilization>`;
      return `<primitive id="${d.id}" class="${klass}" provider="${provider}" type="${type}"><instance_attributes id="${d.id}-i">${params}</instance_attributes>${utilization}</primitive>`;
    })
    .join("");
  return `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config><cluster_property_set id="o">${claim}</cluster_property_set></crm_config><nodes>${nodes}</nodes><resources>${primitives}</resources><constraints/></configuration>
  <status><node_state id="1" uname="node1"/></status>
</cib>
`;
}

async function freeMiB(s: XenHostStage): Promise<number> {
  const info = await runCommand("xl", ["info"], { timeoutMs: 20_000, env: s.env });
  const free = /^free_memory\s*: (\d+)$/m.exec(info.stdout)?.[1];
  if (free === undefined) throw new Error(`no free_memory in xl info: ${info.stdout}`);
  return Number(free);
}

/** A runner that answers cibadmin --query with `instead` and passes everything else (crm_attribute too) through. */
const cibadminAs =
  (instead: (timeoutMs: number) => ReturnType<CommandRunner>): CommandRunner =>
  (file, args, options) =>
    file === "cibadmin" && args[0] === "--query" ? instead(options.timeoutMs) : runCommand(file, args, options);

interface Row {
  readonly name: string;
  /** Writes the CIB (and configs, domains) given Xen's free memory; returns extra parameters. */
  readonly scene: (s: XenHostStage, free: number) => Promise<Env | void> | Env | void;
  readonly run?: CommandRunner;
  readonly health: "green" | "yellow" | "red";
  /**
   * xen-reserve-headroom-mib: Xen's free memory (14336 MiB on the stage's
   * empty host) less the reserve; none when the reserve is not known in full.
   */
  readonly headroom: number | "none";
  readonly reason?: RegExp;
  readonly withinMs?: number;
}

const write = (s: XenHostStage, text: string) => writeFileSync(s.cibFile, text);

const rows: readonly Row[] = [
  {
    name: "share fits with room: green",
    scene: (s, free) => write(s, cibFile(3, 1, [{ id: "vm-a", name: "a", memory: free }, { id: "vm-b", name: "b", memory: Math.floor(free / 2) }])),
    health: "green",
    headroom: 3_584, // 14336 - ceil(21504 / 2)
  },
  {
    name: "memory short: the share over the survivors exceeds what Xen has free",
    scene: (s, free) => write(s, cibFile(3, 1, [{ id: "vm-a", name: "a", memory: free }, { id: "vm-b", name: "b", memory: free + 2048 }])),
    health: "red",
    headroom: -1_024, // 14336 - 30720 / 2
    reason: /^red: memory reserve: Xen has (\d+) MiB free, less than the \d+ MiB reserve: 1 of 3 host\(s\) failing \(CIB\) leave this host a share of \d+ MiB of \d+ MiB over 2, 0 MiB of it running here$/,
  },
  {
    name: "within reserve_yellow_percent of the reserve: yellow",
    scene: (s, free) => write(s, cibFile(2, 1, [{ id: "vm-a", name: "a", memory: free - 64 }])),
    health: "yellow",
    headroom: 64,
    reason: /^yellow: memory reserve: Xen has \d+ MiB free, less than 120% of the \d+ MiB reserve/,
  },
  {
    name: "the margin is a parameter",
    scene: (s, free) => {
      write(s, cibFile(2, 1, [{ id: "vm-a", name: "a", memory: free - 64 }]));
      return { OCF_RESKEY_reserve_yellow_percent: "100" };
    },
    health: "green",
    headroom: 64,
  },
  {
    name: "no claim in the CIB: failures_tolerated decides (2 of 3 hosts: one survivor)",
    scene: (s, free) => {
      write(s, cibFile(3, undefined, [{ id: "vm-a", name: "a", memory: Math.floor(free * 0.6) }, { id: "vm-b", name: "b", memory: Math.floor(free * 0.6) }]));
      return { OCF_RESKEY_failures_tolerated: "2" };
    },
    health: "red",
    headroom: -2_866, // 14336 - 2 × 8601
    reason: /2 of 3 host\(s\) failing \(failures_tolerated\) leave this host a share of \d+ MiB of \d+ MiB over 1/,
  },
  {
    name: "the claim in the CIB wins over failures_tolerated",
    scene: (s, free) => {
      write(s, cibFile(3, 1, [{ id: "vm-a", name: "a", memory: Math.floor(free * 0.6) }, { id: "vm-b", name: "b", memory: Math.floor(free * 0.6) }]));
      return { OCF_RESKEY_failures_tolerated: "2", OCF_RESKEY_reserve_yellow_percent: "100" };
    },
    health: "green",
    headroom: 5_735, // 14336 - 8601
  },
  {
    name: "a domain running here is part of its share already",
    scene: async (s) => {
      const config = writeSampleConfig({ root: s.root, name: "here", memoryMiB: 1024 });
      const created = await runCommand("xl", ["create", config], { timeoutMs: 30_000, env: s.env });
      if (created.exitCode !== 0) throw new Error(`xl create: ${created.stderr}`);
      const free = await freeMiB(s);
      // 2 hosts, 1 failure: this host's share is everything; "here" holds 1024 MiB of it already
      write(s, cibFile(2, 1, [{ id: "vm-here", name: "here", memory: 1024 }, { id: "vm-away", name: "away", memory: free - 100 }]));
      return { OCF_RESKEY_reserve_yellow_percent: "100" };
    },
    health: "green",
    headroom: 100, // the reserve is what "away" needs: free - 100
  },
  {
    name: "CIB without utilization: the domains' configuration files give the memory (and name)",
    scene: (s, free) => {
      const big = writeSampleConfig({ root: s.root, name: "big", memoryMiB: free + 512, out: join(s.root, "big.cfg") });
      write(s, cibFile(2, 1, [{ id: "vm-big", xmfile: big }]));
    },
    health: "red",
    headroom: -514, // 14336 - (14848 + 1, rounded up to 2)
    reason: /red: memory reserve: Xen has \d+ MiB free, less than the \d+ MiB reserve/,
  },
  {
    name: "CIB without utilization, configuration files that fit: green",
    scene: (s) => {
      const small = writeSampleConfig({ root: s.root, name: "small", memoryMiB: 256, out: join(s.root, "small.cfg") });
      write(s, cibFile(2, 1, [{ id: "vm-small", xmfile: small, agent: "ocf:heartbeat:Xen" }]));
    },
    health: "green",
    headroom: 14_078, // 14336 - 258
  },
  {
    name: "a configuration file missing: yellow, the rest still counted",
    scene: (s) => write(s, cibFile(2, 1, [{ id: "vm-gone", name: "gone", xmfile: join(s.root, "gone.cfg") }, { id: "vm-a", name: "a", memory: 100 }])),
    health: "yellow",
    headroom: "none",
    reason: /^yellow: memory reserve: vm-gone: memory not known \(no hv_memory utilization, and .*gone\.cfg cannot be read on this host \(.*No such file or directory\)\)$/,
  },
  {
    name: "hostile utilization values are not numbers: the config is asked instead",
    scene: (s) => write(s, cibFile(2, 1, [{ id: "vm-q", name: "q", memory: "-1; rm -rf /", xmfile: "relative.cfg" }])),
    health: "yellow",
    headroom: "none",
    reason: /vm-q: memory not known \(no hv_memory utilization and no absolute xmfile\)/,
  },
  {
    name: "CIB unreadable: cibadmin hangs (killed within cib_timeout)",
    scene: () => ({ OCF_RESKEY_cib_timeout: "1" }),
    run: cibadminAs((timeoutMs) => runCommand("/bin/sleep", ["30"], { timeoutMs, env: {} })),
    health: "yellow",
    headroom: "none",
    reason: /^yellow: memory reserve: cannot read the CIB, so the reserve is not known: cibadmin --query gave no answer within \d+ ms$/,
    withinMs: 5_000,
  },
  {
    name: "CIB unreadable: cibadmin fails",
    scene: () => undefined,
    run: cibadminAs((timeoutMs) => runCommand("/bin/sh", ["-c", "echo 'Could not connect to the CIB: Transport endpoint is not connected' >&2; exit 102"], { timeoutMs, env: {} })),
    health: "yellow",
    headroom: "none",
    reason: /cannot read the CIB, so the reserve is not known: .*exit 102.*Could not connect to the CIB/,
  },
  {
    name: "CIB unreadable: cibadmin prints something that is not a configuration",
    scene: () => undefined,
    run: cibadminAs((timeoutMs) => runCommand("/bin/echo", ["<configuration><nodes>"], { timeoutMs, env: {} })),
    health: "yellow",
    headroom: "none",
    reason: /cannot read the CIB, so the reserve is not known: cibadmin printed no CIB configuration/,
  },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const s = xenHostStage();
    t.teardown(s.dispose);
    const free = await freeMiB(s);
    t.equal(free, 14_336, "the stage's host has the free memory the headroom column assumes");
    const extra = (await row.scene(s, free)) ?? {};
    const env = { OCF_RESKEY_reserve_from_cib: "true", ...extra };
    for (const action of ["start", "monitor"]) {
      const result = await s.run(action, env, row.run ? { run: row.run } : {});
      t.equal(result.code, 0, `${action} → 0`, { stderr: result.stderr });
      if (row.reason) t.match(result.reasons.at(-1) ?? "", row.reason, `${action}: exit reason`);
      else t.same(result.reasons, [], `${action}: no exit reason`);
      if (row.withinMs && action === "monitor") t.ok(result.ms < row.withinMs, `monitor answered in ${result.ms} ms (< ${row.withinMs})`);
    }
    const attributes = await s.attributes();
    t.equal(attributes["#health-xen"], row.health, `#health-xen=${row.health}`);
    if (row.headroom === "none") t.notOk("xen-reserve-headroom-mib" in attributes, "no xen-reserve-headroom-mib (the reserve is not known in full)");
    else t.equal(attributes["xen-reserve-headroom-mib"], String(row.headroom), `xen-reserve-headroom-mib=${row.headroom}`);
  });
}

t.test("reserve_from_cib off (the default): the CIB is never asked", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const asked: string[] = [];
  const run: CommandRunner = (file, args, options) => {
    asked.push(file);
    return runCommand(file, args, options);
  };
  t.equal((await s.run("start", {}, { run })).code, 0);
  t.notOk(asked.includes("cibadmin"), "no cibadmin call");
});
