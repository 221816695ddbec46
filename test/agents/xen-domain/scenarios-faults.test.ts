import t from "tap";
import { setGuestBehaviour, setHostKnobs, writeSampleConfig } from "../../../lib/sim/index.ts";
import { opTimeout, playTable, probe, recurring, until, type Scenario, type Step } from "./scenario-table.ts";

/**
 * XenDomain when things go wrong: a toolstack that hangs or fails, guests
 * that ignore shutdown or never boot, too little memory (no toolstack, no
 * hypervisor, transient failures: scenarios-environment.test.ts).
 * "withinMs" is the op timeout: the agent must answer before the LRM kills it.
 */
const argvs = (r: { calls: () => readonly { argv: readonly string[] }[] }) => r.calls().map((c) => c.argv.join(" "));
const broken = /cannot init xl context|Unable to connect to xend/;
/**
 * Stop destroys a domain that is still running only after the graceful part.
 * (A domain seen shut down but not yet reaped is destroyed at once; that only
 * races the toolstack's own destroy.)
 */
const destroyedRunning = /is running, state [-rb]+: destroying it/;
/** A power button pressed before the guest OS is up goes unheard, on real hardware as in the simulator. */
const osBooted: Step = { scene: "the guest OS has booted", run: (r) => until(r, (r) => r.domain()?.booted === true) };

const scenarios: readonly Scenario[] = [
  {
    name: "ocf-tester's OCF_TESTER_FAIL_HAVE_BINARY on a dom0: the probe says 5 (ocf-tester accepts 5 or 7) and runs nothing",
    steps: [
      { act: "monitor", env: { ...probe, OCF_TESTER_FAIL_HAVE_BINARY: "1" }, code: 5, reason: /OCF_TESTER_FAIL_HAVE_BINARY is set/ },
      { check: "no toolstack call", run: (r) => r.calls().length, is: 0 },
    ],
  },
  {
    name: "Xen runs but the toolstack cannot reach it (no privcmd / no xend): errors with the toolstack's words, never 7 or a stop success",
    steps: [
      { act: "start", code: 0 },
      { scene: "the toolstack breaks", run: (r) => setHostKnobs(r.root, r.host, { privcmd: false }) },
      { act: "monitor", env: probe, code: 1, reason: broken },
      { act: "monitor", env: recurring, code: 1, reason: broken },
      { act: "stop", code: 1, reason: broken },
      { act: "start", code: 1, reason: broken },
      { scene: "the toolstack recovers", run: (r) => setHostKnobs(r.root, r.host, { privcmd: true }) },
      { act: "monitor", env: recurring, code: 0 },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "toolstack hanging: every action answers 1 before a 3 s op timeout",
    steps: [
      { act: "start", code: 0 },
      { scene: "every toolstack call hangs", run: (r) => setHostKnobs(r.root, r.host, { hang: ["*"] }) },
      { act: "monitor", env: { ...probe, ...opTimeout(3_000) }, code: 1, reason: /no answer within/, withinMs: 3_000 },
      { act: "monitor", env: { ...recurring, ...opTimeout(3_000) }, code: 1, reason: /no answer within/, withinMs: 3_000 },
      { act: "stop", env: opTimeout(3_000), code: 1, reason: /no answer within/, withinMs: 3_000 },
      { act: "start", env: opTimeout(3_000), code: 1, reason: /no answer within/, withinMs: 3_000 },
      { scene: "the toolstack answers again", run: (r) => setHostKnobs(r.root, r.host, { hang: [] }) },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "a hanging shutdown command does not hold stop: destroy after the graceful part",
    only: ["xl"],
    steps: [
      { act: "start", code: 0 },
      { scene: "xl shutdown hangs", run: (r) => setHostKnobs(r.root, r.host, { hang: ["shutdown"] }) },
      { act: "stop", env: { ...opTimeout(10_000), OCF_RESKEY_shutdown_timeout: "2" }, code: 0, withinMs: 10_000 },
      { check: "gone", run: (r) => r.domain(), is: undefined },
      { check: "destroyed", run: (r) => argvs(r).includes("destroy vm1"), is: true },
    ],
  },
  {
    name: "guest ignoring shutdown: stop destroys it after the graceful part, within the op timeout",
    steps: [
      { act: "start", code: 0 },
      { scene: "the guest acks but never shuts down", run: (r) => setGuestBehaviour(r.root, r.host, r.name, { ignoreShutdown: true }) },
      { act: "stop", env: { ...opTimeout(10_000), OCF_RESKEY_shutdown_timeout: "2" }, code: 0, withinMs: 10_000 },
      { check: "gone", run: (r) => r.domain(), is: undefined },
      { check: "asked, then destroyed", run: (r) => argvs(r).filter((a) => /^(shutdown|destroy) /.test(a)), is: ["shutdown vm1", "destroy vm1"] },
    ],
  },
  {
    name: "guest never acknowledging (no shutdown watch): xl's exit 1 is not taken as 'not stopping'",
    only: ["xl"],
    steps: [
      { act: "start", code: 0 },
      { scene: "the kernel never registers the shutdown watch", run: (r) => setGuestBehaviour(r.root, r.host, r.name, { noShutdownWatch: true }) },
      // xl gives up waiting for the ack after 3 s (60 s at time factor 0.05) and exits 1, inside the 6 s graceful part
      { act: "stop", env: { ...opTimeout(12_000), OCF_RESKEY_shutdown_timeout: "6" }, code: 0, withinMs: 12_000 },
      { check: "gone", run: (r) => r.domain(), is: undefined },
      { check: "xl shutdown did exit 1", run: (r) => r.calls().find((c) => c.argv[0] === "shutdown")?.exitCode, is: 1 },
    ],
  },
  {
    name: "graceful stop of a healthy guest: it shuts down by itself, never destroyed while running",
    steps: [
      { act: "start", code: 0 },
      { act: "stop", code: 0, unlogged: destroyedRunning },
    ],
  },
  {
    name: "force_stop and shutdown_timeout=0 destroy at once",
    steps: [
      { act: "start", code: 0 },
      { act: "stop", env: { OCF_RESKEY_force_stop: "true" }, code: 0 },
      { act: "start", code: 0 },
      { act: "stop", env: { OCF_RESKEY_shutdown_timeout: "0" }, code: 0 },
      { check: "never asked to shut down", run: (r) => argvs(r).filter((a) => /^(shutdown|destroy) /.test(a)), is: ["destroy vm1", "destroy vm1"] },
    ],
  },
  {
    name: "HVM guest without PV drivers: stop falls back to the ACPI power button (xl shutdown -F)",
    only: ["xl"],
    options: { type: "hvm" },
    steps: [
      { act: "start", env: opTimeout(20_000), code: 0 },
      { scene: "the OS has no PV drivers", run: (r) => setGuestBehaviour(r.root, r.host, r.name, { pvDrivers: false, acpiPowerButton: true }) },
      osBooted,
      { act: "stop", code: 0, unlogged: destroyedRunning },
      { check: "shutdown -F", run: (r) => argvs(r).filter((a) => /^shutdown /.test(a)), is: ["shutdown -F vm1"] },
    ],
  },
  {
    name: "shutdown_acpi presses the power button",
    only: ["xl"],
    options: { type: "hvm" },
    steps: [
      { act: "start", env: opTimeout(20_000), code: 0 },
      osBooted,
      { act: "stop", env: { OCF_RESKEY_shutdown_acpi: "true" }, code: 0, unlogged: destroyedRunning },
      { check: "trigger power", run: (r) => argvs(r).filter((a) => /^(shutdown|trigger) /.test(a)), is: ["trigger vm1 power"] },
    ],
  },
  {
    name: "a guest that crashes while booting fails the start with what was seen",
    steps: [
      { scene: "the guest crashes 1 s after boot starts", run: (r) => setGuestBehaviour(r.root, r.host, r.name, { crashAfterMs: 1_000 }) },
      { act: "start", env: opTimeout(20_000), code: 1, reason: /crashed|does not exist after create/ },
      { act: "stop", code: 0 },
      { act: "monitor", env: probe, code: 7 },
    ],
  },
  {
    name: "not enough memory: start fails at once with the figures and creates nothing",
    options: { memoryMiB: 4_096, host: { memoryMiB: 4_096, dom0MemoryMiB: 1_024 } },
    steps: [
      { act: "start", code: 1, reason: /^not enough memory: domain vm1 needs 4098 MiB, the host has \d+ MiB free of 4096 MiB$/ },
      { check: "no create", run: (r) => argvs(r).some((a) => a.startsWith("create")), is: false },
      { act: "monitor", env: probe, code: 7 },
    ],
  },
  {
    name: "allow_mem_management: another guest is ballooned by what is missing, then the domain starts",
    only: ["xl"],
    options: { memoryMiB: 1_536, host: { memoryMiB: 4_096, dom0MemoryMiB: 1_024 } },
    steps: [
      { scene: "a 2 GiB guest 'big' runs", run: (r) => r.xl("create", writeSampleConfig({ root: r.root, name: "big", memoryMiB: 2_048 })) },
      { act: "start", code: 1, reason: /^not enough memory: domain vm1 needs 1538 MiB/ },
      { act: "start", env: { OCF_RESKEY_allow_mem_management: "true" }, code: 0, logged: /ballooning big from 2048 to \d+ MiB to make room for vm1/ },
      { check: "big gave memory but kept at least half", run: (r) => { const big = r.domains().find((d) => d.name === "big")?.memoryMiB ?? 0; return big < 2_048 && big >= 1_024; }, is: true },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "allow_mem_management cannot take more than the others can spare: nothing is changed",
    only: ["xl"],
    options: { memoryMiB: 3_000, host: { memoryMiB: 4_096, dom0MemoryMiB: 1_024 } },
    steps: [
      { scene: "a 1 GiB guest 'small' runs", run: (r) => r.xl("create", writeSampleConfig({ root: r.root, name: "small", memoryMiB: 1_024 })) },
      { act: "start", env: { OCF_RESKEY_allow_mem_management: "true" }, code: 1, reason: /the other guests can spare only 512 MiB above their floors$/ },
      { check: "no mem-set, no create", run: (r) => argvs(r).filter((a) => /^(mem-set|create .*vm1)/.test(a)), is: [] },
    ],
  },
];

playTable(t, scenarios);
