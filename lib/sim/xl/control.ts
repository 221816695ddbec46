import type { SimContext } from "../context.ts";
import type { DomainRecord, HostRecord } from "../host/model.ts";
import { pauseDomain, unpauseDomain, wakeLater } from "../host/hypervisor.ts";
import { destroyDomain } from "../host/lifecycle.ts";
import { libxlLine } from "./messages.ts";
import { findByDomid } from "../host/store.ts";
import { findDomain, type XlCommand } from "./command.ts";
import { hasPvControl } from "./power.ts";

/** `xl destroy`, `pause`, `unpause`, `trigger` (xl_vmcontrol.c, xl_misc.c). */

export const xlDestroy: XlCommand = {
  name: "destroy",
  description: "Terminate a domain immediately",
  usage: "[options] <Domain>\n",
  options:
    "-f                      Permit destroying domain 0, which will only succeed\n" +
    "                        when run from disaggregated toolstack domain with a\n" +
    "                        hardware domain distinct from domain 0.",
  spec: { short: "f" },
  minArgs: 1,
  async run(ctx, options) {
    const domid = findDomain(ctx, ctx.read(), options.positional[0] as string);
    if (domid === 0) {
      if (!options.flags.includes("f")) {
        ctx.io.stderr("Not destroying domain 0; use -f to force.\n");
        ctx.io.stderr("This can only be done when using a disaggregated hardware domain and toolstack.\n\n");
        return 1;
      }
      ctx.io.stderr(libxlLine("error", "libxl__destroy_domid", null, "Destroying domain 0 failed: Permission denied"));
      ctx.io.stderr("destroy failed (rc=-3)\n");
      return 1;
    }
    if ((await destroyDomain(ctx, domid)) === "missing") {
      ctx.io.stderr(libxlLine("error", "libxl__destroy_domid", domid, "Non-existant domain"));
      ctx.io.stderr(libxlLine("error", "domain_destroy_callback", domid, "Unable to destroy guest"));
      ctx.io.stderr(libxlLine("error", "domain_destroy_cb", domid, "Destruction of domain failed"));
      ctx.io.stderr("destroy failed (rc=-21)\n");
      return 1;
    }
    return 0;
  },
};

/**
 * Pause and unpause ignore libxl's result: exit 0 once the argument resolves;
 * a refusal is only logged. Pauses are counted from Xen 4.5 (limit 255).
 */
const PAUSE_LIMIT = 255;

type PauseAct = (record: HostRecord, domain: DomainRecord, counted: boolean) => string | undefined;

const pauseCommand = (name: "pause" | "unpause", description: string, func: string, verb: string, act: PauseAct): XlCommand => ({
  name,
  description,
  usage: "<Domain>",
  spec: { short: "" },
  minArgs: 1,
  latency: "controlMs",
  async run(ctx, options) {
    const domid = findDomain(ctx, ctx.read(), options.positional[0] as string);
    const problem = ctx.update((record) => {
      const domain = findByDomid(record, domid);
      return domain ? act(record, domain, ctx.persona.pauseCounted) : "No such process";
    });
    if (problem) ctx.io.stderr(libxlLine("error", func, domid, `${verb} domain: ${problem}`));
    return 0;
  },
});

export const xlPause = pauseCommand("pause", "Pause execution of a domain", "libxl_domain_pause", "Pausing", (record, domain, counted) => {
  if (counted && domain.pauseCount >= PAUSE_LIMIT) return "Resource temporarily unavailable";
  pauseDomain(record, domain, counted, Date.now());
  return undefined;
});

export const xlUnpause = pauseCommand("unpause", "Unpause a paused domain", "libxl_domain_unpause", "Unpausing", (record, domain, counted) =>
  unpauseDomain(record, domain, counted, Date.now()) ? undefined : "Invalid argument",
);

const TRIGGERS = ["nmi", "reset", "init", "power", "sleep", "s3resume"];

export const xlTrigger: XlCommand = {
  name: "trigger",
  description: "Send a trigger to a domain",
  usage: "<Domain> <nmi|reset|init|power|sleep|s3resume> [<VCPU>]",
  spec: { short: "" },
  minArgs: 2,
  latency: "controlMs",
  async run(ctx: SimContext, options) {
    const domid = findDomain(ctx, ctx.read(), options.positional[0] as string);
    const trigger = options.positional[1] as string;
    if (!TRIGGERS.includes(trigger)) {
      ctx.io.stderr(`Invalid trigger "${trigger}"\n`);
      return 1;
    }
    const problem = ctx.update((record) => {
      const domain = findByDomid(record, domid);
      if (!domain) return "No such process";
      if (domain.type !== "hvm") return "Function not implemented";
      if (trigger === "power" || trigger === "reset") {
        domain.acpiEvent = trigger;
        wakeLater(domain.guestPid);
      }
      return hasPvControl(record, domain) || trigger !== "sleep" ? undefined : "Function not implemented";
    });
    if (problem) ctx.io.stderr(libxlLine("error", "libxl_send_trigger", domid, `Send trigger '${trigger}' failed: ${problem}`));
    return 0;
  },
};
