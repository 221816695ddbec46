import { splitList } from "../../../lib/ocf/checks.ts";
import type { XenHostContext } from "../deps.ts";
import { green, red, yellow, type Finding } from "../health.ts";
import { readKernelFile } from "../../../lib/toolstack/kernel-files.ts";

/**
 * Each named bridge's link state, from /sys/class/net/NAME/operstate (RFC
 * 2863 words, Linux net/core/net-sysfs.c operstate_show): `up` is green,
 * `unknown` yellow (the driver does not say), anything else (down,
 * lowerlayerdown, dormant, ...) or no such interface red.
 */
export function checkBridges(ctx: XenHostContext): readonly Finding[] {
  return (splitList(ctx.params.bridges ?? "") ?? []).map((bridge) => {
    const check = `bridge ${bridge}`;
    const state = readKernelFile(ctx.deps.sysroot, `sys/class/net/${bridge}/operstate`);
    if (!state.ok) return red(check, state.code === "ENOENT" ? "no such interface" : `cannot read its operstate (${state.code})`);
    const word = state.text.trim();
    if (word === "up") return green(check, "up");
    if (word === "unknown") return yellow(check, "link state unknown");
    return red(check, `link ${word || "state empty"}`);
  });
}
