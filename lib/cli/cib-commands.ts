import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Option, type Command } from "commander";
import { crmVerify, readCibText, semanticProblems } from "../cib/check/check.ts";
import { fenceAgentProblems } from "../cib/check/fence-agents.ts";
import { didYouMean } from "../cib/model/closest.ts";
import type { TemplateDefinition } from "../cib/author/define-template.ts";
import { describeTemplate, describeTemplates } from "../cib/author/describe-templates.ts";
import { attributeEvent, failEvents, moveEvent, standbyEvents, type EventsResult } from "../cib/plan/events.ts";
import { explainStep } from "../cib/plan/explain.ts";
import { importHeartbeat } from "../cib/import/import-heartbeat.ts";
import { agentCatalog } from "../cib/model/agents.ts";
import { loadCib } from "../cib/live/load.ts";
import type { Cib } from "../cib/model/model.ts";
import { planCib } from "../cib/plan/plan.ts";
import { formatPlan } from "../cib/plan/plan-report.ts";
import { confirmPlan, formatConfirmation } from "../cib/plan/confirm.ts";
import { formatProblem } from "../cib/model/problem.ts";
import { renderTemplate, SECTIONS, type SectionName } from "../cib/author/render.ts";
import { DEFAULT_SCHEMA, SCHEMA_NAMES, type SchemaName } from "../cib/model/schema.ts";
import { simulate, type SimEvent } from "../cib/plan/simulate.ts";
import type { ToolContext } from "../cib/tools.ts";
import { parseAssignments, parseValuesFile, type RawValues } from "../cib/author/values.ts";
import { runCommand } from "../exec/command.ts";
import { createDeadline } from "../ocf/deadline.ts";
import { CliError, CliExit, fileError, type CliIo } from "./io.ts";
import type { CliParts } from "./commands.ts";
import type { Register } from "./program.ts";

/**
 * `xen-ha cib ...`: thin glue between commander and lib/cib. Every bad input
 * ends here as a CliError with its exit code; nothing is written before all
 * inputs have been read and checked.
 */
async function readInput(io: CliIo, file: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), "utf8");
  } catch (error) {
    throw fileError(error, "read", file);
  }
}

async function readCibFile(io: CliIo, file: string): Promise<{ text: string; cib: Cib }> {
  const text = await readInput(io, file);
  const read = readCibText(text);
  if (!read.ok) throw new CliError(CliExit.BadInput, `${file}${read.line ? `:${read.line}` : ""}: ${read.problem}`);
  return { text, cib: read.cib };
}

async function output(io: CliIo, text: string, file: string | undefined): Promise<void> {
  if (file === undefined) return io.stdout(text);
  try {
    await writeFile(resolve(io.cwd, file), text);
  } catch (error) {
    throw fileError(error, "write", file);
  }
}

/** Runs `work` with the cluster tools: a scratch directory removed afterwards, and one deadline. */
async function withTools<T>(io: CliIo, timeoutSeconds: string, work: (context: ToolContext) => Promise<T>): Promise<T> {
  const seconds = Number(timeoutSeconds);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new CliError(CliExit.Usage, `--timeout '${timeoutSeconds}' is not a number of seconds`);
  const scratch = await mkdtemp(join(tmpdir(), "xen-ha-cib-"));
  try {
    // The tools run in the scratch directory: a relative CIB_file is the caller's.
    const cibFile = io.env["CIB_file"];
    const env = { ...io.env, CIB_file: cibFile === undefined || cibFile === "" ? undefined : resolve(io.cwd, cibFile) };
    return await work({ run: runCommand, deadline: createDeadline(seconds * 1000), env, scratch });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const timeoutOption = (): Option => new Option("--timeout <seconds>", "time limit for the Pacemaker tools").default("600");
const schemaOption = (): Option =>
  new Option("--schema <schema>", "Pacemaker schema of the output").choices(SCHEMA_NAMES).default(DEFAULT_SCHEMA);
const LOAD_EXIT = { input: CliExit.BadInput, unreachable: CliExit.Unavailable, problems: CliExit.Problems, failed: CliExit.Problems } as const;
const collect = (value: string, previous: readonly string[]): string[] => [...previous, value];

async function templateValues(io: CliIo, options: { values?: string; set: readonly string[] }): Promise<RawValues> {
  const fromFile = options.values === undefined ? { ok: true as const, values: {} } : parseValuesFile(await readInput(io, options.values), options.values);
  const fromSet = parseAssignments(options.set);
  const problems = [...(fromFile.ok ? [] : fromFile.problems), ...(fromSet.ok ? [] : fromSet.problems)];
  if (!fromFile.ok || !fromSet.ok) throw new CliError(CliExit.Usage, problems.join("\n"));
  return { ...fromFile.values, ...fromSet.values };
}

export const cibCommands = (parts: CliParts): Register => (program: Command, io: CliIo): void => {
  const { templates } = parts;
  const agents = agentCatalog(parts.registry);
  const findTemplate = (name: string): TemplateDefinition | undefined => templates.find((template) => template.name === name);
  const cib = program.command("cib").description("CIB templates: list, render, check, simulate, plan, load, import");

  cib
    .command("templates [name]")
    .description("list the templates, their values and defaults, and what each protects against")
    .action((name: string | undefined) => {
      if (name === undefined) return io.stdout(describeTemplates(templates));
      const template = findTemplate(name);
      if (!template) throw new CliError(CliExit.Usage, `unknown template '${name}'${didYouMean(name, templates.map((t) => t.name))}`);
      io.stdout(describeTemplate(template));
    });

  cib
    .command("render <template>")
    .description("render a template as a complete CIB (or one section, for cibadmin --create -o SECTION)")
    .option("--set <name=value>", "a template value (repeatable)", collect, [])
    .option("--values <file>", "a file of name=value lines")
    .addOption(schemaOption())
    .addOption(new Option("--section <section>", "render only this section").choices(SECTIONS))
    .option("-o, --output <file>", "write to a file instead of standard output")
    .action(async (name: string, options: { set: string[]; values?: string; schema: SchemaName; section?: SectionName; output?: string }) => {
      const template = findTemplate(name);
      if (!template) {
        throw new CliError(CliExit.Usage, `unknown template '${name}'${didYouMean(name, templates.map((t) => t.name))}; 'xen-ha cib templates' lists them`);
      }
      const values = await templateValues(io, options);
      const result = renderTemplate(template, values, { schema: options.schema, ...(options.section ? { section: options.section } : {}) });
      if (!result.ok) throw new CliError(CliExit.Usage, result.problems.map((problem) => `cannot render ${name}: ${problem}`).join("\n"));
      await output(io, result.text, options.output);
      if (options.section) io.stderr(`load it with: cibadmin --create -o ${options.section} --xml-file FILE\n`);
    });

  cib
    .command("check <file>")
    .description("semantic checks (agent parameters, durations, fencing, storage, migration, placement, quorum, capacity, references), then fence agents' meta-data and crm_verify")
    .option("--no-crm-verify", "skip Pacemaker's tools (crm_verify, stonith_admin)")
    .addOption(timeoutOption())
    .action(async (file: string, options: { crmVerify: boolean; timeout: string }) => {
      const { text, cib: parsed } = await readCibFile(io, file);
      const errors = await checkAndReport(io.stdout, file, text, parsed, options);
      if (errors > 0) throw new CliError(CliExit.Problems, `${file} has ${errors} error${errors === 1 ? "" : "s"}`);
    });

  /** What `cib check` reports, written to `out`; the number of errors. */
  async function checkAndReport(out: (text: string) => void, label: string, text: string, parsed: Cib, options: { crmVerify: boolean; timeout: string }): Promise<number> {
    const problems = [...semanticProblems(parsed, agents)];
    let verdict = "crm_verify: skipped";
    if (options.crmVerify) {
      const [verify, fenceAgents] = await withTools(io, options.timeout, (context) =>
        Promise.all([crmVerify(context, text), fenceAgentProblems(context, parsed, agents.agents)]),
      );
      problems.push(...fenceAgents);
      if (verify.ran) problems.push(...verify.problems);
      verdict = verify.ran ? `crm_verify: ${verify.problems.length === 0 ? "clean" : "found problems"}` : `crm_verify: ${verify.reason}, skipped`;
    }
    problems.forEach((problem) => out(formatProblem(problem)));
    const errors = problems.filter((p) => p.severity === "error").length;
    out(`${label}: ${errors} error${errors === 1 ? "" : "s"}, ${problems.length - errors} warning${problems.length - errors === 1 ? "" : "s"}; ${verdict}\n`);
    return errors;
  }

  const steps: ((cib: Cib) => EventsResult)[] = [];
  const event = (make: (value: string) => (cib: Cib) => EventsResult) => (value: string, previous: unknown) => {
    steps.push(make(value));
    return previous;
  };
  let pendingMove: string | undefined;
  cib
    .command("simulate <file>")
    .description("run crm_simulate on the configuration and explain each transition in plain words")
    .option("--fail <nodes>", "hosts crash (comma-separated: at the same time); each option is one step", event((v) => (c) => failEvents(c, v)))
    .option("--standby <nodes>", "hosts are put in standby", event((v) => (c) => standbyEvents(c, v)))
    .option("--move <domain-and-node...>", "move a domain (resource id or domain name) to a node", (value: string) => {
      if (pendingMove === undefined) pendingMove = value;
      else {
        const [domain, node] = [pendingMove, value];
        pendingMove = undefined;
        steps.push((c) => moveEvent(c, domain, node));
      }
    })
    .option("--attr <node:name=value>", "set a transient node attribute (e.g. xen01:#health-cpu=red)", event((v) => (c) => attributeEvent(c, v)))
    .addOption(timeoutOption())
    .action(async (file: string, options: { timeout: string }) => {
      if (pendingMove !== undefined) steps.push((c) => moveEvent(c, pendingMove as string, undefined));
      const { text, cib: parsed } = await readCibFile(io, file);
      if (steps.length === 0) throw new CliError(CliExit.Usage, "give at least one event: --fail NODE, --standby NODE, --move DOMAIN NODE or --attr NODE:NAME=VALUE");
      const events: SimEvent[][] = [];
      for (const step of steps) {
        const result = step(parsed);
        if (!result.ok) throw new CliError(CliExit.Usage, result.problem);
        events.push([...result.events]);
      }
      const result = await withTools(io, options.timeout, (context) => simulate(context, text, events));
      if (!result.ok) throw new CliError(result.unavailable ? CliExit.Unavailable : CliExit.Problems, result.message);
      io.stdout(`crm_simulate on ${file}${result.assumptions.length > 0 ? `, assuming: ${result.assumptions.join("; ")}` : ""}\n`);
      result.steps.forEach((step, i) => {
        const explanation = explainStep(result.cib, step);
        io.stdout(`\n${i + 1}. ${explanation.title}\n${explanation.lines.map((line) => `   ${line}\n`).join("")}`);
      });
    });

  cib
    .command("plan <file>")
    .description("admission check: for every set of K failed hosts, does every protected domain still run?")
    .option("--failures <k>", "number of simultaneously failed hosts (default: the CIB's claim, or 1)")
    .option("--protected-priority <p>", "domains below this priority are best effort")
    .option("--confirm", "replay the failure sets marked (?) through crm_simulate; exit non-zero when it contradicts the plan on a safety point")
    .addOption(timeoutOption())
    .action(async (file: string, options: { failures?: string; protectedPriority?: string; confirm?: boolean; timeout: string }) => {
      const { text: cibText, cib: parsed } = await readCibFile(io, file);
      const number = (text: string | undefined, what: string, min: number, max: number): number | undefined => {
        if (text === undefined) return undefined;
        const value = Number(text);
        if (!Number.isInteger(value) || value < min || value > max) throw new CliError(CliExit.Usage, `${what} '${text}' must be a whole number from ${min} to ${max}`);
        return value;
      };
      const failures = number(options.failures, "--failures", 0, Math.max(0, parsed.nodes.length - 1));
      const protectedPriority = number(options.protectedPriority, "--protected-priority", -1_000_000, 1_000_000);
      const report = planCib(parsed, { ...(failures !== undefined ? { failures } : {}), ...(protectedPriority !== undefined ? { protectedPriority } : {}) });
      io.stdout(formatPlan(report));
      const broken = report.cases.filter((c) => c.lost.length > 0).length;
      if (options.confirm) {
        const confirmed = await withTools(io, options.timeout, (context) => confirmPlan(context, cibText, report));
        if (!confirmed.ok) throw new CliError(confirmed.unavailable ? CliExit.Unavailable : CliExit.Problems, `--confirm: ${confirmed.message}`);
        io.stdout(formatConfirmation(confirmed));
        const unsafe = confirmed.sets.filter((set) => set.unsafe.length > 0).length;
        if (unsafe > 0) throw new CliError(CliExit.Problems, `crm_simulate contradicts the plan on a safety point in ${unsafe} of ${confirmed.sets.length} replayed failure set${confirmed.sets.length === 1 ? "" : "s"}`);
      }
      if (broken > 0) throw new CliError(CliExit.Problems, `${broken} of ${report.cases.length} failure sets leave protected domains stopped`);
    });

  cib
    .command("load <file>")
    .description("merge a CIB or one section into the live CIB (or CIB_file): show the difference, check, apply through a shadow CIB")
    .option("--dry-run", "show the difference and the checks' verdict, apply nothing (exit 0: a load would go through)")
    .addOption(timeoutOption())
    .action(async (file: string, options: { dryRun?: boolean; timeout: string }) => {
      const text = await readInput(io, file);
      const result = await withTools(io, options.timeout, (context) => loadCib(context, text, { dryRun: options.dryRun === true, agents }));
      io.stdout(result.report);
      if (!result.ok) throw new CliError(LOAD_EXIT[result.reason], result.reason === "input" ? `${file}: ${result.message}` : result.message);
    });

  cib
    .command("import-heartbeat <file>")
    .description("convert a Heartbeat 2.0/2.1 CIB to the current schema, Xen resources to XenDomain; the result must pass 'cib check' or nothing is written")
    .addOption(schemaOption())
    .option("-o, --output <file>", "write to a file instead of standard output")
    .option("--no-crm-verify", "skip Pacemaker's tools (crm_verify, stonith_admin) when checking the result")
    .addOption(timeoutOption())
    .action(async (file: string, options: { schema: SchemaName; output?: string; crmVerify: boolean; timeout: string }) => {
      const result = importHeartbeat(await readInput(io, file), options.schema, agents);
      if (!result.ok) throw new CliError(CliExit.BadInput, `${file}: ${result.problem}`);
      result.notes.forEach((note) => io.stderr(`note: ${note}\n`));
      result.problems.forEach((problem) => io.stderr(`not carried over: ${problem}\n`));
      if (result.problems.length > 0) throw new CliError(CliExit.Problems, `${file}: ${result.problems.length} construct${result.problems.length === 1 ? "" : "s"} could not be carried over; nothing written`);
      const converted = readCibText(result.text);
      if (!converted.ok) throw new CliError(CliExit.Problems, `${file}: the converted CIB does not read back: ${converted.problem}`);
      const errors = await checkAndReport(io.stderr, `${file} converted`, result.text, converted.cib, options);
      if (errors > 0) throw new CliError(CliExit.Problems, `${file}: the converted CIB has ${errors} error${errors === 1 ? "" : "s"} (above); nothing written`);
      await output(io, result.text, options.output);
    });
};
