import { defineAgent } from "../../lib/ocf/define-agent.ts";
import { xenDomainParams } from "./params.ts";
import { actions } from "./actions.ts";

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
    "Starts, stops, monitors and migrates one Xen guest domain with the xl toolstack (Xen 4.x) or xm " +
    "(Xen 3). The domain is reported as not running only when the toolstack says it does not exist; " +
    "crashed, paused, shut-down and dying domains are reported for what they are.",
  params: xenDomainParams,
  actions: {
    start: { timeout: "60s", run: actions.start },
    stop: { timeout: "40s", run: actions.stop },
    monitor: { timeout: "30s", run: actions.monitor, advertise: [{ interval: "10s" }] },
    status: { timeout: "30s", run: actions.monitor },
    "validate-all": { timeout: "5s", run: actions.validate },
    "reload-agent": { timeout: "5s", run: actions.reloadAgent },
  },
});
