import type { AgentDocs } from "../ocf/define-agent.ts";
import { defaultText, type AnyParam, type Params } from "../ocf/params.ts";
import type { FenceAgentDocs } from "../fence/fence-metadata.ts";
import { getoptText } from "../fence/fence-metadata.ts";
import { FENCE_ACTIONS } from "../fence/fence-params.ts";
import { bold, heading, item, literal, paragraphs, roffText, title } from "./roff.ts";

/**
 * Man pages generated from the same declarations as the meta-data, in the
 * conventions of the pages admins already read: resource-agents'
 * ocf_PROVIDER_AGENT(7) (NAME, SYNOPSIS, DESCRIPTION, SUPPORTED PARAMETERS,
 * SUPPORTED ACTIONS, EXAMPLE CRM SHELL, EXAMPLE PCS) and fence-agents'
 * fence_NAME(8) (PARAMETERS with their getopt forms, ACTIONS, STDIN
 * PARAMETERS). A parameter described once reaches the meta-data and the page.
 */
export interface ManPage {
  /** File name, e.g. ocf_xen-ha_XenDomain.7 */
  readonly file: string;
  readonly section: 7 | 8;
  readonly text: string;
}

const ACTION_TEXT: Readonly<Record<string, string>> = {
  start: "Starts the resource.",
  stop: "Stops the resource.",
  monitor: "Checks the resource's state: 0 running, 7 not running (only when the toolstack says so), an error otherwise.",
  "validate-all": "Checks the configuration without changing anything.",
  migrate_to: "Live-migrates the resource to the target node (Pacemaker's first migration step, on the source).",
  migrate_from: "Completes a live migration on the target node (the second step).",
  "reload-agent": "Applies changed reloadable parameters without a restart.",
  notify: "Receives clone notifications.",
  "meta-data": "Prints the agent's meta-data (internal use only).",
};

function facts(p: AnyParam): string {
  const kind = p.kind === "select" ? (p.choices ?? []).join("|") : p.kind;
  const dflt = defaultText(p);
  return `(${p.required ? "required" : "optional"}, ${kind}, ${dflt === undefined ? "no default" : `default "${dflt}"`})`;
}

function ocfParameters(params: Params): string {
  return Object.entries(params)
    .map(([name, p]) => {
      const text = paragraphs(p.longdesc ?? p.shortdesc).replace(/^\.PP\n/, "");
      return item(bold(name), `${text}.sp\n${roffText(facts(p))}\n`);
    })
    .join("");
}

/** The advertised rows of one action, as "Suggested minimum timeout: 20s. Suggested interval: 10s." */
function ocfActions(agent: AgentDocs): string {
  const names = [...new Set(agent.advertised.map((a) => a.name))];
  return names
    .map((name) => {
      const rows = agent.advertised.filter((a) => a.name === name);
      const timing = rows
        .map((a) =>
          [
            `Suggested minimum timeout: ${a.timeout}.`,
            a.interval ? `Suggested interval: ${a.interval}.` : "",
            a.depth ? `Depth: ${a.depth}.` : "",
          ]
            .filter(Boolean)
            .join(" "),
        )
        .join(" ");
      return item(bold(name), `${roffText(`${ACTION_TEXT[name] ?? ""} ${timing}`.trim())}\n`);
    })
    .join("");
}

/** An example value for a required parameter: its default, else a placeholder naming it. */
const exampleValue = (name: string, p: AnyParam): string => defaultText(p) ?? (name === "xmfile" ? "/etc/xen/vm1.cfg" : `<${name}>`);

export function ocfAgentManPage(agent: AgentDocs, provider: string, source: string): ManPage {
  const page = `ocf_${provider}_${agent.name}`;
  const required = Object.entries(agent.params).filter(([, p]) => p.required);
  const monitor = agent.advertised.find((a) => a.name === "monitor" && a.interval);
  const migrates = agent.advertised.some((a) => a.name === "migrate_to");
  const id = `p_${agent.name}`;
  const crm = [
    `primitive ${id} ocf:${provider}:${agent.name} \\`,
    "  params \\",
    ...required.map(([n, p]) => `    ${n}="${exampleValue(n, p)}" \\`),
    ...(migrates ? ['  meta allow-migrate="true" \\'] : []),
    `  op monitor timeout="${monitor?.timeout ?? "20s"}" interval="${monitor?.interval ?? "10s"}"`,
  ];
  const pcs = [
    `pcs resource create ${id} ocf:${provider}:${agent.name} \\`,
    ...required.map(([n, p]) => `  ${n}="${exampleValue(n, p)}" \\`),
    ...(migrates ? ["  meta allow-migrate=true \\"] : []),
    `  op monitor timeout="${monitor?.timeout ?? "20s"}" interval="${monitor?.interval ?? "10s"}"`,
  ];
  const actions = [...new Set(agent.advertised.map((a) => a.name))].join(" | ");
  const text =
    title(page, 7, source, "OCF resource agents") +
    heading("name") +
    `${roffText(page)} \\- ${roffText(agent.shortdesc)}\n` +
    heading("synopsis") +
    `${bold(agent.name)} [${roffText(actions)}]\n` +
    heading("description") +
    paragraphs(agent.longdesc) +
    heading("supported parameters") +
    ocfParameters(agent.params) +
    heading("supported actions") +
    ".PP\nThis resource agent supports the following actions (operations):\n" +
    ocfActions(agent) +
    heading("example crm shell") +
    `.PP\nThe following is an example configuration for a ${roffText(agent.name)} resource using the ${bold("crm")}(8) shell:\n` +
    literal(crm) +
    heading("example pcs") +
    `.PP\nThe following is an example configuration for a ${roffText(agent.name)} resource using ${bold("pcs")}(8):\n` +
    literal(pcs) +
    heading("see also") +
    `.PP\n${bold("xen-ha")}(8), ${bold("fence_xen")}(8), ${bold("crm_resource")}(8), ${bold("ocf-tester")}(8)\n`;
  return { file: `${page}.7`, section: 7, text };
}

export function fenceAgentManPage(agent: FenceAgentDocs, source: string): ManPage {
  const options = (render: (name: string, p: AnyParam) => string): string =>
    Object.entries(agent.params)
      .map(([name, p]) => {
        const dflt = defaultText(p);
        const obsoletes = p.aliases?.length ? ` Obsoletes: ${p.aliases.join(", ")}` : "";
        return `.TP\n.B ${render(name, p)}\n${roffText(`${p.shortdesc}${dflt === undefined ? "" : ` (Default Value: ${dflt})`}${p.required ? " This parameter is always required." : ""}${obsoletes}`)}\n`;
      })
      .join("");
  const actions = FENCE_ACTIONS.map((a) => `.TP\n${bold(a)}\n`).join("");
  const text =
    title(agent.name, 8, source, "Fence agents") +
    heading("name") +
    `${roffText(agent.name)} \\- ${roffText(agent.shortdesc)}\n` +
    heading("description") +
    paragraphs(agent.longdesc) +
    `.PP\n${roffText(`${agent.name} accepts options on the command line as well as from stdin (one key=value per line), the way Pacemaker's fencer sends them.`)}\n` +
    `.PP\nVendor URL: ${roffText(agent.vendorUrl)}\n` +
    heading("parameters") +
    options((name, p) => roffText(getoptText(name, p, agent.letters))) +
    heading("actions") +
    actions +
    heading("stdin parameters") +
    options((name) => roffText(name)) +
    heading("see also") +
    `.PP\n${bold("stonith_admin")}(8), ${bold("xen-ha")}(8)\n`;
  return { file: `${agent.name}.8`, section: 8, text };
}

/** What the CLI page needs of a command: commander's Command has this shape. */
export interface CommandShape {
  name(): string;
  description(): string;
  usage(): string;
  readonly options: readonly { readonly flags: string; readonly description: string; readonly defaultValue?: unknown; readonly argChoices?: readonly string[] }[];
  readonly commands: readonly CommandShape[];
}

/** An option's allowed values and default, as commander's help says them: " (one of: a, b; default: a)". */
function optionValues(option: CommandShape["options"][number]): string {
  const said = [
    ...(option.argChoices ? [`one of: ${option.argChoices.join(", ")}`] : []),
    ...(option.defaultValue === undefined ? [] : [`default: ${String(option.defaultValue)}`]),
  ];
  return said.length === 0 ? "" : roffText(` (${said.join("; ")})`);
}

function commandEntries(command: CommandShape, path: string): string {
  const here = path ? `${path} ${command.name()}` : command.name();
  const own = path
    ? item(
        bold(`${here} ${command.usage()}`.trim()),
        `${roffText(command.description())}\n` +
          command.options
            .map(
              (o) =>
                `.TP\n${bold(o.flags)}\n${roffText(o.description)}${optionValues(o)}\n`,
            )
            .join(""),
      )
    : "";
  return own + command.commands.map((c) => commandEntries(c, here)).join("");
}

export function cliManPage(program: CommandShape, source: string): ManPage {
  const text =
    title(program.name(), 8, source, "xen-ha") +
    heading("name") +
    `${roffText(program.name())} \\- ${roffText(program.description())}\n` +
    heading("synopsis") +
    `${bold(program.name())} ${roffText("COMMAND [OPTIONS]")}\n` +
    heading("commands") +
    commandEntries(program, "") +
    heading("see also") +
    `.PP\n${bold("ocf_xen-ha_XenDomain")}(7), ${bold("fence_xen")}(8), ${bold("cibadmin")}(8), ${bold("crm_simulate")}(8)\n`;
  return { file: `${program.name()}.8`, section: 8, text };
}

/** Every page of an installation: one per OCF agent and fence agent, and the CLI's. */
export function allManPages(
  parts: { readonly provider: string; readonly ocfAgents: readonly AgentDocs[]; readonly fenceAgents: readonly FenceAgentDocs[] },
  program: CommandShape,
  source: string,
): ManPage[] {
  return [
    ...parts.ocfAgents.map((agent) => ocfAgentManPage(agent, parts.provider, source)),
    ...parts.fenceAgents.map((agent) => fenceAgentManPage(agent, source)),
    cliManPage(program, source),
  ];
}
