import { param, type Params } from "../ocf/params.ts";

/**
 * The fence-agents protocol's own options, declared once with the same
 * builders as OCF parameters: stdin keys, command-line options, meta-data and
 * usage all come from here. Names, meanings and defaults are those of
 * fence-agents' lib/fencing.py, so a device configured for another agent reads
 * the same (FenceAgentAPI.md; doc/ocf.md §3.3).
 */
export const FENCE_ACTIONS = [
  "off",
  "on",
  "reboot",
  "status",
  "list",
  "list-status",
  "monitor",
  "metadata",
  "validate-all",
] as const;

export type FenceAction = (typeof FENCE_ACTIONS)[number];

/** Actions that act on one plug and so need one. */
export const PLUG_ACTIONS: ReadonlySet<FenceAction> = new Set(["off", "on", "reboot", "status"]);

export const fenceProtocolParams = {
  action: param.string({
    default: "reboot",
    aliases: ["option"],
    shortdesc: "Fencing action",
    longdesc: `One of ${FENCE_ACTIONS.join(", ")}; "option" is the old name of this key.`,
  }),
  plug: param.string({
    aliases: ["port"],
    shortdesc: "Domain to fence: its name or UUID",
    longdesc:
      "The Xen domain that is the fenced node, by name or UUID. Pacemaker passes it as port (the " +
      "target node name, or its pcmk_host_map alias). Required by on, off, reboot and status.",
  }),
  delay: param.integer({ max: 3_600 })({
    default: 0,
    shortdesc: "Wait X seconds before fencing is started",
    longdesc: "Seconds to wait before off or reboot (two-node clusters: give one node a head start).",
  }),
  power_timeout: param.integer({ min: 1, max: 3_600 })({
    default: 20,
    shortdesc: "Test X seconds for status change after ON/OFF",
    longdesc: "How long off waits for every dom0 to report the domain absent, and on for it to appear.",
  }),
  power_wait: param.integer({ max: 3_600 })({
    default: 0,
    shortdesc: "Wait X seconds after issuing ON/OFF",
    longdesc: "Pause after the power command, before the state is checked.",
  }),
  retry_on: param.integer({ max: 10 })({
    default: 1,
    shortdesc: "Count of attempts to retry power on",
  }),
  separator: param.string({
    default: ",",
    shortdesc: "Separator for CSV created by 'list' operation",
  }),
  missing_as_off: param.boolean({
    default: false,
    shortdesc: "Missing port returns OFF instead of failure",
    longdesc:
      "Without it, a plug that the device does not know (no dom0 lists the domain) fails status, off and reboot: " +
      "a mistyped plug never reads as a fenced node. Set it when a fenced domain may already be gone for good " +
      "(on_crash=\"destroy\"), and accept that a mistyped plug then reads as off. fence-agents' option of the same name.",
  }),
  verbose: param.boolean({
    default: false,
    shortdesc: "Verbose mode",
    longdesc: "Log debug messages (every toolstack call and its result) to stderr.",
  }),
  debug_file: param.string({
    aliases: ["debug"],
    shortdesc: "Write debug information to given file",
    check: (value: string) => (value.startsWith("/") ? undefined : `'${value}' is not an absolute path`),
  }),
} satisfies Params;

export type FenceProtocolParams = typeof fenceProtocolParams;

/**
 * Short command-line letters. fence-agents fixes these per option (-o action,
 * -n plug, -l username, -k identity file...); an option without a letter has a
 * long form only. One table, so two options can never share a letter unnoticed.
 */
export type GetoptLetters = Readonly<Record<string, string>>;

export const FENCE_PROTOCOL_LETTERS: GetoptLetters = {
  action: "o",
  plug: "n",
  separator: "C",
  verbose: "v",
  debug_file: "D",
};
