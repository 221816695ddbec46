import { padLeft, ToolExit, type SimContext } from "../context.ts";
import { formatJson, type JsonValue } from "./json-layout.ts";
import { dom0ConfigJson, libxlConfigJson } from "./libxl-json.ts";
import { allViews, viewOf, xlState, type DomainView } from "../host/views.ts";
import { findDomain, helpText, type XlCommand } from "./command.ts";

/** `xl list` (xl_info.c main_list, list_domains, list_domains_details). */

const HEADER = "Name                                        ID   Mem VCPUs\tState\tTime(s)";
const VERBOSE_HEADER = "   UUID                            Reason-Code\tSecurity Label";

function row(view: DomainView, verbose: boolean, context: boolean): string {
  const name = (view.name ?? "(null)").padEnd(40);
  let line = `${name} ${padLeft(view.domid, 5)} ${padLeft(view.memoryMiB, 5)} ${padLeft(view.vcpus, 5)}     ${xlState(view)}  ${padLeft(view.cpuSeconds.toFixed(1), 8)}`;
  if (verbose) {
    line += ` ${view.uuid}`;
    line += view.shutdown ? ` ${view.reasonCode.toString(16).padStart(8)}` : ` ${"-".padStart(8)}`;
  }
  // the security label (no FLASK policy: "-")
  if (verbose || context) line += ` ${"-".padStart(16)}`;
  return `${line}\n`;
}

export function formatList(views: readonly DomainView[], verbose: boolean, context = false): string {
  const extra = verbose ? VERBOSE_HEADER : context ? "   Security Label" : "";
  return `${HEADER}${extra}\n${views.map((v) => row(v, verbose, context)).join("")}`;
}

export const xlList: XlCommand = {
  name: "list",
  description: "List information about all/some domains",
  usage: "[options] [Domain]\n",
  options:
    "-l, --long              Output all VM details\n" +
    "-v, --verbose           Prints out UUIDs and security context\n" +
    "-Z, --context           Prints out security context\n" +
    "-c, --cpupool           Prints the cpupool the domain is in\n" +
    "-n, --numa              Prints out NUMA node affinity",
  spec: { short: "lvhZcn", long: { long: "l", verbose: "v", context: "Z", cpupool: "c", numa: "n" } },
  minArgs: 0,
  async run(ctx, options) {
    const long = options.flags.includes("l");
    await ctx.clock.sleep(ctx.clock.ms(long ? "listLongMs" : "queryMs"));
    const record = ctx.read();
    let views: DomainView[];
    if (options.positional.length > 1) {
      ctx.io.stdout(helpText(this));
      throw new ToolExit(1);
    } else if (options.positional.length === 1) {
      const argument = options.positional[0] as string;
      const view = viewOf(record, findDomain(ctx, record, argument));
      if (!view) {
        ctx.io.stderr(`Error: Domain '${argument}' does not exist.\n`);
        return 1;
      }
      views = [view];
    } else {
      views = allViews(record);
    }
    if (!long) {
      ctx.io.stdout(formatList(views, options.flags.includes("v"), options.flags.includes("Z")));
      return 0;
    }
    const entries: JsonValue[] = [];
    for (const view of views) {
      const config = view.record === null ? dom0ConfigJson(record) : view.record.config && libxlConfigJson(view.record.config, view.record);
      if (config) entries.push({ domid: view.domid, config });
    }
    const json = formatJson(entries, ctx.persona.json);
    // yajl's buffer ends with a newline and puts() adds one; json-c's does not
    ctx.io.stdout(ctx.persona.json === "yajl" ? `${json}\n\n` : `${json}\n`);
    return 0;
  },
};
