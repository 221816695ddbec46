import { defineAgent } from "../../lib/ocf/define-agent.ts";
import { actions } from "./actions.ts";
import { ADVERTISED_TIMEOUTS as T } from "./deps.ts";
import { xenHostParams } from "./params.ts";

/**
 * XenHost: the health of one dom0, run as a clone on every host. It manages
 * nothing; its monitor publishes node attributes that node-health-strategy
 * and placement rules act on (doc/xen-host.md).
 */
export const xenHost = defineAgent({
  name: "XenHost",
  version: "0.1.0",
  shortdesc: "Checks a Xen host from dom0 and publishes its health",
  longdesc:
    "Run as a clone on every dom0. Each monitor checks that the toolstack answers `xl info` (or `xm info`) in time, that " +
    "xenstored and xenconsoled run, that Xen has the free memory the host must keep for a failover, that the named bridges " +
    "are up, that the migration peers accept a connection, that the HA data pool's paths answer a write and read probe " +
    "made by child processes (a hung mount cannot hang the agent), and that dom0 has memory and CPU to spare. Each check " +
    "is green, yellow or red; the worst is published as the transient node attribute #health-xen (for node-health-strategy), " +
    "with xen-free-memory-mib, xen-toolstack-latency-ms and xen-reserve-headroom-mib (what the host can take and keep its " +
    "failover reserve) for placement rules. Every yellow or red names its cause in the " +
    "log and the exit reason. Monitor returns 0 whatever the colour (a failing monitor would restart the clone, not move " +
    "domains); it fails only when the attributes cannot be written. Stop deletes the attributes.",
  params: xenHostParams,
  actions: {
    start: { timeout: T.start, run: actions.start },
    stop: { timeout: T.stop, run: actions.stop },
    monitor: { timeout: T.monitor, run: actions.monitor, advertise: [{ interval: "30s" }] },
    status: { timeout: T.monitor, run: actions.monitor },
    "validate-all": { timeout: T.validate, run: actions.validate },
    "reload-agent": { timeout: T.reload, run: actions.reloadAgent },
  },
});
