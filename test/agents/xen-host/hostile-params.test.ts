import t from "tap";
import { existsSync, rmSync } from "node:fs";
import { xenHostParams } from "../../../agents/xen-host/params.ts";
import { decodeValues } from "../../../lib/ocf/params.ts";
import { HOSTILE_VALUES } from "../xen-domain/hostile-values.ts";
import { xenHostStage } from "../../support/xen-host-stage.ts";

/**
 * Every inputs-nobody-designed-for value in each of XenHost's list
 * parameters (and after a '/' in the path list): the declaration refuses it
 * (6, one exit reason line) or the monitor runs with it and answers 0, in
 * time, without a shell ever seeing it and without a forged exit reason.
 */
const PWNED = "/tmp/xen-ha-pwned";
const LISTS = ["bridges", "migration_peers", "data_pool_paths"] as const;

const s = xenHostStage();
t.teardown(s.dispose);
rmSync(PWNED, { force: true });
t.equal((await s.run("start")).code, 0, "started");

for (const param of LISTS) {
  const values = HOSTILE_VALUES.flatMap((v) => (param === "data_pool_paths" ? [v, { label: `/${v.label}`, value: `/${v.value}` }] : [v]));
  for (const { label, value } of values) {
    t.test(`${param}=${label}`, async (t) => {
      const accepted = decodeValues(xenHostParams, (name) => (name === param ? value : undefined)).ok;
      const result = await s.run("monitor", { [`OCF_RESKEY_${param}`]: value, OCF_RESKEY_peer_timeout: "1", OCF_RESKEY_data_pool_timeout: "2" });
      t.equal(result.code, accepted ? 0 : 6, accepted ? "accepted: monitor ran (0)" : "refused: 6");
      t.ok(result.ms < 10_000, `answered in ${result.ms} ms`);
      t.ok(result.reasons.every((r) => !r.startsWith("forged")), "no forged exit reason");
      if (!accepted) t.match(result.reasons.at(-1) ?? "", new RegExp(`^${param}: `), "the reason names the parameter");
      t.notOk(existsSync(PWNED), "no shell ran the value");
    });
  }
}
