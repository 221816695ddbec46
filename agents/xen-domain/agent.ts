import { defineAgent } from "../../lib/ocf/define-agent.ts";
import { xenDomainParams } from "./params.ts";
import { actions } from "./actions.ts";
import { ADVERTISED_TIMEOUTS as T, DEEP_CHECK_LEVEL } from "./deps.ts";

/**
 * XenDomain: one Xen guest under Pacemaker or the Heartbeat LRM. The action
 * timeouts are those of ocf:heartbeat:Xen, so templates and CIBs written for
 * it keep working.
 */
export const xenDomain = defineAgent({
  name: "XenDomain",
  version: "0.1.0",
  shortdesc: "Manages a Xen domain (xl or xm)",
  longdesc:
    "Starts, stops and monitors one Xen guest domain with the xl toolstack (Xen 4.x) or xm " +
    "(Xen 3). The domain is reported as not running only when the toolstack says it does not exist; " +
    "crashed, paused, shut-down and dying domains are reported for what they are. When this host saw the " +
    "domain running at its last check and now finds it missing or rebooting, it believes that at once unless " +
    "the toolstack shows it is restarting the domain (xl's monitoring process alive and its log saying so, or " +
    "xend.log for xm); then it waits for the domain to come back, within the operation's timeout. " +
    "With allow-migrate=true, migrate_to moves the running domain live to the target node after checking that " +
    "node (memory, config, disks, bridges, no other copy), within a time budget; migrate_from waits for it there. " +
    "The names a domain has while it migrates (NAME--incoming, NAME--migratedaway, migrating-NAME) are never " +
    "taken for 'not running': monitor reports them, start refuses to add a copy, stop removes them. " +
    "A monitor with OCF_CHECK_LEVEL=10 (depth 10) also asks the peer_dom0s whether one of them runs the domain too.",
  params: xenDomainParams,
  actions: {
    start: { timeout: T.start, run: actions.start },
    stop: { timeout: T.stop, run: actions.stop },
    monitor: { timeout: T.monitor, run: actions.monitor, advertise: [{ interval: "10s" }, { interval: "60s", depth: DEEP_CHECK_LEVEL }] },
    status: { timeout: T.monitor, run: actions.monitor },
    "validate-all": { timeout: T.validate, run: actions.validate },
    "reload-agent": { timeout: T.reload, run: actions.reloadAgent },
    migrate_to: { timeout: T.migrate, run: actions.migrateTo },
    migrate_from: { timeout: T.migrate, run: actions.migrateFrom },
  },
});
