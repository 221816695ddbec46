import { Option, type Command } from "commander";
import { SECTIONS } from "../cib/model/sections.ts";
import { DEFAULT_SCHEMA, SCHEMA_NAMES } from "../cib/model/schema.ts";
import type { CheckOptions } from "./cib/check.ts";
import type { ImportOptions } from "./cib/import-heartbeat.ts";
import type { LoadOptions } from "./cib/load.ts";
import type { PlanCommandOptions } from "./cib/plan.ts";
import type { RenderOptions } from "./cib/render.ts";
import type { SimulateStep } from "./cib/simulate.ts";
import type { TimeoutOptions } from "./cib/tools.ts";
import type { CliIo } from "./io.ts";
import type { CliParts, Register } from "./program.ts";

/**
 * `xen-ha cib ...`, declared: the commands, their options and help. Each
 * command's work (lib/cli/cib/) is imported when that command runs, so a
 * `cib render` loads no planner and a `cib plan` no checks, tool runner or
 * templates: each command is a fresh process, and what it imports is most of
 * what a small CIB costs.
 */

const timeoutOption = (): Option => new Option("--timeout <seconds>", "time limit for the Pacemaker tools").default("600");
const schemaOption = (): Option =>
  new Option("--schema <schema>", "Pacemaker schema of the output").choices(SCHEMA_NAMES).default(DEFAULT_SCHEMA);
const collect = (value: string, previous: readonly string[]): string[] => [...previous, value];

export const cibCommands = (parts: CliParts): Register => (program: Command, io: CliIo): void => {
  const agents = async () => (await import("../cib/model/agents.ts")).agentCatalog(await parts.registry());
  const cib = program.command("cib").description("CIB templates: list, render, check, simulate, plan, load, import");

  cib
    .command("templates [name]")
    .description("list the templates, their values and defaults, and what each protects against")
    .action(async (name: string | undefined) => (await import("./cib/templates.ts")).templatesCommand(io, await parts.templates(), name));

  cib
    .command("render <template>")
    .description("render a template as a complete CIB (or one section, for cibadmin --create -o SECTION)")
    .option("--set <name=value>", "a template value (repeatable)", collect, [])
    .option("--values <file>", "a file of name=value lines")
    .addOption(schemaOption())
    .addOption(new Option("--section <section>", "render only this section").choices(SECTIONS))
    .option("-o, --output <file>", "write to a file instead of standard output")
    .action(async (name: string, options: RenderOptions) => (await import("./cib/render.ts")).renderCommand(io, await parts.templates(), name, options));

  cib
    .command("check <file>")
    .description("semantic checks (agent parameters, durations, fencing, storage, migration, placement, quorum, capacity, references), then fence agents' meta-data and crm_verify")
    .option("--no-crm-verify", "skip Pacemaker's tools (crm_verify, stonith_admin)")
    .addOption(timeoutOption())
    .action(async (file: string, options: CheckOptions) => (await import("./cib/check.ts")).checkCommand(io, await agents(), file, options));

  const steps: SimulateStep[] = [];
  const event = (kind: "fail" | "standby" | "attr") => (value: string, previous: unknown) => {
    steps.push({ kind, value });
    return previous;
  };
  let pendingMove: string | undefined;
  cib
    .command("simulate <file>")
    .description("run crm_simulate on the configuration and explain each transition in plain words")
    .option("--fail <nodes>", "hosts crash (comma-separated: at the same time); each option is one step", event("fail"))
    .option("--standby <nodes>", "hosts are put in standby", event("standby"))
    .option("--move <domain-and-node...>", "move a domain (resource id or domain name) to a node", (value: string) => {
      if (pendingMove === undefined) pendingMove = value;
      else {
        steps.push({ kind: "move", domain: pendingMove, node: value });
        pendingMove = undefined;
      }
    })
    .option("--attr <node:name=value>", "set a transient node attribute (e.g. xen01:#health-cpu=red)", event("attr"))
    .addOption(timeoutOption())
    .action(async (file: string, options: TimeoutOptions) => {
      if (pendingMove !== undefined) steps.push({ kind: "move", domain: pendingMove, node: undefined });
      await (await import("./cib/simulate.ts")).simulateCommand(io, file, steps, options);
    });

  cib
    .command("plan <file>")
    .description("admission check: for every set of K failed hosts, does every protected domain still run?")
    .option("--failures <k>", "number of simultaneously failed hosts (default: the CIB's claim, or 1)")
    .option("--protected-priority <p>", "domains below this priority are best effort")
    .option("--confirm", "replay the failure sets marked (?) through crm_simulate; exit non-zero when it contradicts the plan on a safety point")
    .addOption(timeoutOption())
    .action(async (file: string, options: PlanCommandOptions) => (await import("./cib/plan.ts")).planCommand(io, file, options));

  cib
    .command("load <file>")
    .description("merge a CIB or one section into the live CIB (or CIB_file): show the difference, check, apply through a shadow CIB")
    .option("--dry-run", "show the difference and the checks' verdict, apply nothing (exit 0: a load would go through)")
    .addOption(timeoutOption())
    .action(async (file: string, options: LoadOptions) => (await import("./cib/load.ts")).loadCommand(io, await agents(), file, options));

  cib
    .command("import-heartbeat <file>")
    .description("convert a Heartbeat 2.0/2.1 CIB to the current schema, Xen resources to XenDomain; the result must pass 'cib check' or nothing is written")
    .addOption(schemaOption())
    .option("-o, --output <file>", "write to a file instead of standard output")
    .option("--no-crm-verify", "skip Pacemaker's tools (crm_verify, stonith_admin) when checking the result")
    .addOption(timeoutOption())
    .action(async (file: string, options: ImportOptions) => (await import("./cib/import-heartbeat.ts")).importCommand(io, await agents(), file, options));
};
