import t from "tap";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opTimeout, playTable, probe, recurring, type Scenario, type Step } from "./scenario-table.ts";

/**
 * Parameters: bad values are configuration errors (6) naming the parameter
 * and touching nothing; shell metacharacters in any string parameter reach
 * the toolstack as plain bytes (no shell anywhere), for xl and for xm.
 */
const noCalls: Step = { check: "no toolstack call", run: (r) => r.calls().length, is: 0 };
const actions = ["start", "stop", "monitor", "validate-all"] as const;

const badValues: readonly { param: string; value: string; reason: RegExp }[] = [
  { param: "shutdown_timeout", value: "abc", reason: /^shutdown_timeout: 'abc' is not a whole number$/ },
  { param: "shutdown_timeout", value: "-5", reason: /^shutdown_timeout: '-5' is out of range/ },
  { param: "shutdown_acpi", value: "maybe", reason: /^shutdown_acpi: 'maybe' is not a boolean/ },
  { param: "force_stop", value: "2", reason: /^force_stop: '2' is not a boolean/ },
  { param: "toolstack", value: "xq", reason: /^toolstack: 'xq' is not one of auto, xl, xm$/ },
  { param: "xmfile", value: "vm1.cfg", reason: /^xmfile: 'vm1.cfg' is not an absolute path$/ },
  { param: "name", value: "vm 1", reason: /^name: 'vm 1' is not a usable Xen domain name/ },
  { param: "name", value: 'vm"1', reason: /^name: 'vm"1' is not a usable Xen domain name/ },
  { param: "name", value: "42", reason: /^name: '42' is all digits/ },
  { param: "name", value: "vm1--incoming", reason: /^name: 'vm1--incoming' collides with the names the toolstack gives 'vm1' while it migrates$/ },
  { param: "monitor_scripts_timeout", value: "0", reason: /^monitor_scripts_timeout: '0' is out of range/ },
  { param: "reserved_Dom0_memory", value: "lots", reason: /^reserved_Dom0_memory: 'lots' is not a whole number$/ },
];

const badParameterScenarios: Scenario[] = badValues.map(({ param, value, reason }) => ({
  name: `${param}=${value}: every action says 6 and names the parameter`,
  only: ["xl"],
  steps: [...actions.map((act): Step => ({ act, env: { [`OCF_RESKEY_${param}`]: value }, code: 6, reason })), noCalls],
}));

const markerDir = mkdtempSync(join(tmpdir(), "xen-ha-inject-"));
t.teardown(() => rmSync(markerDir, { recursive: true, force: true }));
const marker = join(markerDir, "pwned");
const IFS = "${IFS}";
/** Ways a shell would run `touch MARKER`; none must, wherever they are put (as a name, each is refused before any call). */
const payloads = [`$(touch${IFS}${marker})`, `\`touch${IFS}${marker}\``, `x;touch${IFS}${marker}`, `x|touch${IFS}${marker}&&`, `'; touch ${marker}; '`];
const stringParams = ["xmfile", "name", "monitor_scripts", "node_ip_attribute"] as const;
const untouched: Step = { check: "the marker file was never created", run: () => existsSync(marker), is: false };

/** The agent's actions with one parameter set to a payload; stop destroys at once (the graceful path is covered above). */
const withPayload = (param: string, payload: string, acts: readonly string[]): Step[] =>
  acts.map((act): Step => ({
    act,
    env: { ...opTimeout(3_000), OCF_RESKEY_force_stop: "true", [`OCF_RESKEY_${param}`]: param === "xmfile" ? `/${payload}` : payload },
  }));

const injectionScenarios: Scenario[] = stringParams.map((param) => ({
  name: `shell metacharacters in ${param} run nothing`,
  steps: [
    // name and xmfile decide which domain: each payload is its own life cycle; the others act on one running domain
    ...(param === "name" || param === "xmfile" ? [] : [{ act: "start", code: 0 } as const]),
    ...payloads.flatMap((payload): Step[] => [
      { scene: `${param}=${payload}`, run: () => undefined },
      // monitor runs the scripts as start's wait does; a start with failing scripts would only wait out its deadline
      ...withPayload(param, payload, param === "name" || param === "xmfile" ? ["validate-all", "start", "monitor", "stop"] : ["validate-all", "monitor"]),
      untouched,
    ]),
    { act: "stop", code: 0 },
  ],
}));

const literalName: Scenario = {
  name: "a name full of shell syntax is refused before any toolstack call",
  steps: [
    ...(["start", "monitor", "stop"] as const).map((act): Step => ({ act, env: { OCF_RESKEY_name: payloads[0] }, code: 6, reason: /^name: .* is not a usable Xen domain name/ })),
    noCalls,
    untouched,
  ],
};

const nameScenarios: Scenario[] = [
  {
    name: "the name comes from the config when the parameter is unset; never from the resource id",
    only: ["xl"],
    steps: [
      { act: "start", code: 0 },
      { act: "monitor", env: { ...recurring, OCF_RESOURCE_INSTANCE: "something-else" }, code: 0 },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "name unset and the config unreadable here: start 5, probe and stop 6 (never a guessed name)",
    only: ["xl"],
    steps: [
      { act: "start", env: { OCF_RESKEY_xmfile: "/nonexistent/vm1.cfg" }, code: 5, reason: /^xmfile \/nonexistent\/vm1.cfg cannot be read on this host \(cannot statx? '\/nonexistent\/vm1.cfg': No such file or directory\)$/ },
      { act: "monitor", env: { ...probe, OCF_RESKEY_xmfile: "/nonexistent/vm1.cfg" }, code: 6, reason: /^name is not set and xmfile .* \(.*No such file or directory\); set the name parameter$/ },
      { act: "stop", env: { OCF_RESKEY_xmfile: "/nonexistent/vm1.cfg" }, code: 6, reason: /set the name parameter/ },
      { act: "validate-all", env: { OCF_RESKEY_xmfile: "/nonexistent/vm1.cfg" }, code: 5, reason: /cannot be read/ },
      noCalls,
    ],
  },
  {
    name: "with the name set, an unreadable config does not stop monitor or stop from looking",
    only: ["xl"],
    steps: [
      { act: "monitor", env: { ...probe, OCF_RESKEY_xmfile: "/nonexistent/vm1.cfg", OCF_RESKEY_name: "vm1" }, code: 7 },
      { act: "stop", env: { OCF_RESKEY_xmfile: "/nonexistent/vm1.cfg", OCF_RESKEY_name: "vm1" }, code: 0 },
    ],
  },
  {
    name: "a config xl cannot parse is a configuration error for start and validate-all",
    only: ["xl"],
    options: { configLines: ["memory = lots"] },
    steps: [
      { act: "validate-all", code: 6, reason: /^xmfile .*: line \d+: config parsing error near `lots': unquoted words are not values/ },
      { act: "start", code: 6, reason: /config parsing error/ },
      { act: "monitor", env: { ...probe, OCF_RESKEY_name: "vm1" }, code: 7 },
    ],
  },
  ...['name = "-v"', 'name = "Domain-0"', 'name = "vm1--incoming"'].map(
    (line): Scenario => ({
      name: `the config's ${line} is held to the domain-name rule: 6 before any call`,
      options: { configLines: [line] },
      steps: [
        { act: "validate-all", code: 6, reason: /^xmfile .*: name '.*' (begins with '-'|is the control domain|collides with)/ },
        { act: "start", code: 6, reason: /^xmfile .*: name / },
        { act: "monitor", env: probe, code: 6, reason: /^xmfile .*: name / },
        { act: "stop", code: 6, reason: /^xmfile .*: name / },
        noCalls,
      ],
    }),
  ),
  {
    name: "validate-all accepts a good configuration and changes nothing; reload-agent only acknowledges",
    steps: [{ act: "validate-all", code: 0 }, { act: "reload-agent", code: 0 }, noCalls],
  },
  {
    name: "validate-all warns about combinations that do not mean what they seem",
    only: ["xl"],
    steps: [
      {
        act: "validate-all",
        env: { OCF_RESKEY_force_stop: "true", OCF_RESKEY_shutdown_acpi: "true", OCF_RESKEY_name: "other" },
        code: 0,
        logged: /WARN: shutdown_acpi has no effect[\s\S]*WARN: name 'other' overrides the name 'vm1'/,
      },
    ],
  },
  {
    name: "missing required xmfile is 6 for every action",
    only: ["xl"],
    steps: [...actions.map((act): Step => ({ act, env: { OCF_RESKEY_xmfile: undefined }, code: 6, reason: /^xmfile: required parameter is not set$/ })), noCalls],
  },
];

playTable(t, [...badParameterScenarios, ...nameScenarios, literalName, ...injectionScenarios]);
