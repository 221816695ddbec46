import { sshOptions } from "../../../lib/exec/ssh.ts";
import { genericError, notConfigured } from "../../../lib/ocf/exit-code.ts";
import type { XenContext } from "../deps.ts";
import { hostProblem } from "../../../lib/ocf/checks.ts";
import { toolstackOn, type Dom0 } from "../../../lib/toolstack/dom0s.ts";
import { addressMap, migrationSsh, sshOptionWords } from "./params.ts";
import { addressSourcesProblem } from "./validate.ts";

/**
 * Where a migration goes and how: the target's address (migration_addresses,
 * node_ip_attribute, migration_network_suffix, else the node name) and the
 * ssh command xl runs as its transport. The same ssh reaches the target for
 * the pre-flight and the clean-up (lib/exec/ssh.ts, lib/toolstack/dom0s.ts),
 * so what the checks see is what xl sees.
 */

/** What the -s string may contain once assembled: xl passes it to `sh -c`. */
const SHELL_SAFE = /^[A-Za-z0-9 _./:@%+=,-]+$/;
const ATTRIBUTE_CAP_MS = 10_000;

export interface Transport {
  readonly node: string;
  readonly address: string;
  /** xl migrate -s: ssh and its options, without the host. */
  readonly sshCommand: string;
  /** The target through that same ssh: its toolstack, its migration calls, a runner for other programs there. */
  readonly target: Dom0;
}

/** `crm_attribute --type nodes --node=NODE --name=ATTR --query --quiet` (values glued to their options, never read as options): the node's value, or why there is none. */
async function nodeAttribute(ctx: XenContext, node: string, attribute: string): Promise<string> {
  const result = await ctx.deps.run("crm_attribute", ["--type", "nodes", `--node=${node}`, `--name=${attribute}`, "--query", "--quiet"], {
    timeoutMs: ctx.deadline.callTimeoutMs(ATTRIBUTE_CAP_MS),
    env: ctx.deps.env,
  });
  const value = result.stdout.trim();
  if (result.exitCode === 0 && value !== "") return value;
  const why = result.exitCode === undefined ? "no answer from crm_attribute" : result.stderr.trim().split("\n").at(-1) || `exit ${result.exitCode}`;
  throw genericError(`node attribute ${attribute} of ${node} gives no migration address (${why})`);
}

/** The address of `node` on the migration network. */
export async function migrationAddress(ctx: XenContext, node: string): Promise<string> {
  const { params } = ctx;
  const sources = addressSourcesProblem(params);
  if (sources) throw notConfigured(sources);
  let address: string;
  let from: string;
  if (params.migration_addresses !== undefined) {
    const mapped = addressMap(params.migration_addresses).get(node);
    if (mapped === undefined) throw genericError(`migration_addresses has no address for node ${node}`);
    [address, from] = [mapped, "migration_addresses"];
  } else if (params.node_ip_attribute !== undefined) {
    [address, from] = [await nodeAttribute(ctx, node, params.node_ip_attribute), `node attribute ${params.node_ip_attribute}`];
  } else if (params.migration_network_suffix !== undefined) {
    [address, from] = [node.replace(/^([^.]+)/, `$1${params.migration_network_suffix}`), "migration_network_suffix"];
  } else {
    [address, from] = [node, "the node name"];
  }
  // xl puts the address into the command it gives sh -c: only plain host names and IP addresses pass
  const problem = hostProblem(address);
  if (problem) throw genericError(`${from} gives an unusable address for ${node}: ${problem}`);
  return address;
}

export async function transportTo(ctx: XenContext, node: string): Promise<Transport> {
  const address = await migrationAddress(ctx, node);
  const settings = { ...migrationSsh.settingsOf(ctx.params), extraOptions: sshOptionWords(ctx.params.migration_ssh_options) };
  // the same options as every other ssh of ours (lib/exec/ssh.ts), so what the checks see is what xl sees
  const sshCommand = [settings.sshPath, ...sshOptions(settings)].join(" ");
  if (!SHELL_SAFE.test(sshCommand)) throw notConfigured(`the migration ssh command would hold characters sh interprets: ${sshCommand}`);
  const target = toolstackOn(
    { ...settings, host: address, label: node },
    { tool: ctx.deps.toolstack().name, run: ctx.deps.run, env: ctx.deps.env, callTimeoutMs: ctx.deadline.callTimeoutMs },
  );
  return { node, address, sshCommand, target };
}
