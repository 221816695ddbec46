/**
 * The floor under a probe or monitor: the least a Node process can do that
 * runs `xl list` the way the agents must (lib/exec/command.ts: its own
 * process group, the deadline that ends the group, bounded output), bundled
 * and started as the agents are (agent-bench.ts bundles it with
 * lib/install/bundle.ts's bundleAgent and runs it with the OCF agents'
 * Node flags). What an agent costs above this row is the agent's own.
 */
import { runCommand } from "../../lib/exec/command.ts";

void runCommand("xl", ["list"], { timeoutMs: 20_000 }).then((result) => {
  process.exitCode = result.exitCode === 0 && result.stdout.startsWith("Name") ? 0 : 1;
});
