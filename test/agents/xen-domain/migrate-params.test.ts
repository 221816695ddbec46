import t from "tap";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callLog } from "../../../lib/sim/index.ts";
import { migrationLab } from "../../support/migration-lab.ts";

/**
 * The migration parameters end up in the command xl hands to `sh -c`: every
 * value outside the strict character sets is refused with 6, names the
 * parameter, and nothing is run (no ssh, no xl migrate). Payloads that a
 * shell would execute must never create the marker file.
 */
const markerDir = mkdtempSync(join(tmpdir(), "xen-ha-mig-inject-"));
t.teardown(() => rmSync(markerDir, { recursive: true, force: true }));
const marker = join(markerDir, "pwned");

const bad: readonly { param: string; value: string; reason: RegExp }[] = [
  { param: "migration_ssh_options", value: `ProxyCommand=touch;${marker}`, reason: /^migration_ssh_options: not Key=value of plain characters/ },
  { param: "migration_ssh_options", value: `ProxyCommand=$(touch${marker})`, reason: /^migration_ssh_options: not Key=value/ },
  { param: "migration_ssh_options", value: "-oProxyCommand=x", reason: /^migration_ssh_options: not Key=value/ },
  { param: "migration_ssh_user", value: "root -oProxyCommand=x", reason: /^migration_ssh_user: 'root -oProxyCommand=x' is not a user name/ },
  { param: "migration_ssh_user", value: "`id`", reason: /^migration_ssh_user: .* is not a user name/ },
  { param: "migration_ssh_identity", value: "keys/id_rsa", reason: /^migration_ssh_identity: 'keys\/id_rsa' is not an absolute path of plain characters/ },
  { param: "migration_ssh_identity", value: "/root/my key", reason: /^migration_ssh_identity: .* is not an absolute path of plain characters/ },
  { param: "migration_ssh_identity", value: `/k;touch ${marker}`, reason: /^migration_ssh_identity: .* not an absolute path/ },
  { param: "migration_addresses", value: `node2=10.0.0.2;touch${marker}`, reason: /^migration_addresses: '10\.0\.0\.2;touch.*' is not a host name or address/ },
  { param: "migration_addresses", value: "node2=-oProxyCommand=x", reason: /^migration_addresses: 'node2=-oProxyCommand=x' is not node=address/ },
  { param: "migration_addresses", value: "node2", reason: /^migration_addresses: 'node2' is not node=address/ },
  { param: "migration_addresses", value: "node2=a node2=b", reason: /^migration_addresses: a node is listed twice$/ },
  { param: "migration_network_suffix", value: "-mig;x", reason: /^migration_network_suffix: '-mig;x' may hold letters, digits, '\.' and '-' only$/ },
  { param: "migration_ssh_port", value: "0", reason: /^migration_ssh_port: '0' is out of range/ },
  { param: "migration_budget", value: "soon", reason: /^migration_budget: 'soon' is not a whole number$/ },
  { param: "migration_config", value: "vm1-small.cfg", reason: /^migration_config: 'vm1-small\.cfg' is not an absolute path/ },
  { param: "migration_preflight", value: "perhaps", reason: /^migration_preflight: 'perhaps' is not a boolean/ },
  { param: "save_dir", value: "saved", reason: /^save_dir: 'saved' is not an absolute path/ },
];

t.test("bad migration parameters: 6 from validate-all and migrate_to, the parameter named, nothing run", async (t) => {
  const lab = migrationLab(t);
  t.equal((await lab.agent("node1", "start")).code, 0);
  const before = callLog(lab.root, "node1").length;
  for (const { param, value, reason } of bad) {
    for (const action of ["validate-all", "migrate_to"]) {
      const extra = { [`OCF_RESKEY_${param}`]: value, ...(action === "migrate_to" ? lab.migrationEnv("migrate_to", "node1", "node2") : {}) };
      const result = await lab.agent("node1", action, extra);
      t.equal(result.code, 6, `${action} ${param}=${value} → 6`);
      t.match(result.reasons.at(-1), reason, "names the parameter");
    }
  }
  t.equal(callLog(lab.root, "node1").length, before, "no toolstack or ssh call at all");
  t.notOk(existsSync(marker), "no shell ran a payload");
  t.same(lab.names("node1"), [["vm1", "-b----"]]);
});

t.test("combinations that cannot work are 6 before anything moves", async (t) => {
  const lab = migrationLab(t);
  await lab.agent("node1", "start");
  const both = { OCF_RESKEY_migration_addresses: "node2=10.0.0.2", OCF_RESKEY_node_ip_attribute: "migration_ip" };
  for (const action of ["validate-all", "migrate_to"]) {
    const result = await lab.agent("node1", action, { ...both, ...lab.migrationEnv("migrate_to", "node1", "node2") });
    t.same([result.code, result.reasons.at(-1)], [6, "migration_addresses and node_ip_attribute each name the migration address: set only one"], action);
  }
  const xm = migrationLab(t, { persona: "xm" });
  const config = await xm.agent("node1", "validate-all", { OCF_RESKEY_migration_config: xm.config });
  t.same([config.code, config.reasons.at(-1)], [6, "migration_config (xl migrate -C) has no xm counterpart"]);
  const unknown = await lab.agent("node1", "migrate_to", { ...lab.migrationEnv("migrate_to", "node1", "node3"), OCF_RESKEY_migration_addresses: "node2=10.0.0.2" });
  t.same([unknown.code, unknown.reasons.at(-1)], [1, "migration_addresses has no address for node node3"], "a target the map lacks is this migration's failure");
  t.same(lab.names("node1"), [["vm1", "-b----"]]);
});
