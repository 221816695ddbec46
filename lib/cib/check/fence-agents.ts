import { parseXml, childNamed, childrenNamed } from "../../xml/parse.ts";
import { FENCER_PARAMS, type RegisteredAgent } from "../model/agents.ts";
import { didYouMean } from "../model/closest.ts";
import type { Cib, PrimitiveDef } from "../model/model.ts";
import { error, warning, type Problem } from "../model/problem.ts";
import { runTool, type ToolContext } from "../tools.ts";

/**
 * Fence devices of agents xen-ha does not ship, checked against the agent
 * itself through Pacemaker's fencer tools (crm_verify reads no agent
 * meta-data):
 *  - `stonith_admin --metadata -a AGENT`: a parameter the agent does not
 *    declare is an error (fencing.py ignores it with a warning, so a misspelt
 *    ip= or username= silently leaves the device without it), and so is a
 *    parameter declared required="1" that is missing;
 *  - `stonith_admin --validate`: the agent's own validate-all, which knows
 *    what its meta-data does not say (fence_ipmilan declares ip optional but
 *    refuses to run without it: "You have to enter fence address").
 * Values of secret-looking parameters are replaced before they reach argv;
 * validate-all returns before fencing.py runs any *_script.
 */
const SECRET = /pass|secret|token|community|_kg$|key/i;
const PLACEHOLDER = "xen-ha-check-placeholder";
const CAP_MS = 30_000;
const PARALLEL = 4;

interface AgentParameter {
  readonly name: string;
  readonly required: boolean;
  /** The older name this one replaces, or that replaces it (fencing.py's obsoletes / deprecated pairs). */
  readonly obsoletes: string | undefined;
}

type Metadata = { readonly ok: true; readonly parameters: readonly AgentParameter[] } | { readonly ok: false; readonly problem: string };

async function readMetadata(context: ToolContext, agent: string): Promise<Metadata> {
  const ran = await runTool(context, "stonith_admin", ["--metadata", "--agent", agent], { capMs: CAP_MS });
  if (!ran.ok) return { ok: false, problem: ran.message };
  const parsed = parseXml(ran.result.stdout);
  if (!parsed.ok) return { ok: false, problem: `its meta-data is not well-formed XML${parsed.line ? ` (line ${parsed.line})` : ""}: ${parsed.problem}` };
  const parameters = childNamed(parsed.root, "parameters");
  if (!parameters) return { ok: false, problem: "its meta-data has no <parameters>" };
  return {
    ok: true,
    parameters: childrenNamed(parameters, "parameter").map((p) => ({
      name: p.attributes["name"] ?? "",
      required: p.attributes["required"] === "1",
      obsoletes: p.attributes["obsoletes"],
    })),
  };
}

/** The agent's own complaint lines ("Failed: You have to enter fence address"). */
function complaints(output: string): string[] {
  return [
    ...new Set(
      output
        .split("\n")
        .map((line) => line.replace(/^[\d-]+ [\d:,]+ (ERROR|WARNING): /, "").trim())
        .filter((line) => /^Failed:/.test(line)),
    ),
  ];
}

async function validate(context: ToolContext, device: PrimitiveDef, agent: string): Promise<Problem[]> {
  const options = device.params.flatMap((p) => ["--option", `${p.name}=${SECRET.test(p.name) && !p.name.endsWith("_script") ? PLACEHOLDER : p.value}`]);
  const ran = await runTool(context, "stonith_admin", ["--validate", "--agent", agent, ...options], { capMs: CAP_MS, accept: [0, 1] });
  if (!ran.ok) return [warning(`primitive ${device.id}`, device.line, `could not validate with ${agent}: ${ran.message}`, "run 'stonith_admin --validate' on a cluster node")];
  if (ran.result.exitCode === 0) return [];
  const said = complaints(`${ran.result.stderr}\n${ran.result.stdout}`);
  return [error(`primitive ${device.id}`, device.line, `${agent} refuses these parameters: ${said.length > 0 ? said.join("; ") : "validate-all failed"}`, `give the device the parameters '${agent} --help' lists as needed`)];
}

function declaredProblems(device: PrimitiveDef, agent: string, parameters: readonly AgentParameter[]): Problem[] {
  const where = `primitive ${device.id}`;
  const names = new Set(parameters.map((p) => p.name));
  const problems: Problem[] = [];
  for (const pair of device.params) {
    if (names.has(pair.name) || FENCER_PARAMS.has(pair.name)) continue;
    problems.push(error(where, pair.line, `${agent} has no parameter '${pair.name}'${didYouMean(pair.name, [...names, ...FENCER_PARAMS])}: the agent ignores it`, `remove it or use a parameter of 'stonith_admin --metadata -a ${agent}'`));
  }
  const given = new Set(device.params.filter((p) => p.value !== "").map((p) => p.name));
  for (const parameter of parameters.filter((p) => p.required && p.name !== "action")) {
    const aliases = [parameter.name, parameter.obsoletes, ...parameters.filter((p) => p.obsoletes === parameter.name).map((p) => p.name)];
    if (!aliases.some((alias) => alias !== undefined && given.has(alias))) {
      problems.push(error(where, device.line, `${agent} requires parameter '${parameter.name}', which is not set`, `add an nvpair ${parameter.name} to its instance_attributes`));
    }
  }
  return problems;
}

/** `shipped`: the agents xen-ha ships, checked against their own declarations elsewhere (agent-params.ts). */
export async function fenceAgentProblems(context: ToolContext, cib: Cib, shipped: readonly RegisteredAgent[]): Promise<Problem[]> {
  const devices = cib.primitives.filter((p) => p.agent.startsWith("stonith:") && !shipped.some((a) => a.key === p.agent));
  const metadata = new Map<string, Promise<Metadata>>();
  const checkDevice = async (device: PrimitiveDef): Promise<Problem[]> => {
    const agent = device.agent.slice("stonith:".length);
    if (!metadata.has(agent)) metadata.set(agent, readMetadata(context, agent));
    const read = await (metadata.get(agent) as Promise<Metadata>);
    if (!read.ok) {
      return [warning(`primitive ${device.id}`, device.line, `the meta-data of ${agent} could not be read here (${read.problem}): its parameters are not checked`, `install ${agent} (fence-agents) where you run the check, or check on a cluster node`)];
    }
    const declared = declaredProblems(device, agent, read.parameters);
    return declared.length > 0 ? declared : validate(context, device, agent);
  };
  // each validation starts a Python agent: a few at a time
  const problems: Problem[] = [];
  for (let i = 0; i < devices.length; i += PARALLEL) {
    problems.push(...(await Promise.all(devices.slice(i, i + PARALLEL).map(checkDevice))).flat());
  }
  return problems;
}
