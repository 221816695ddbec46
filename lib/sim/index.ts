/**
 * The Xen toolstack simulator's programmatic API (see lib/sim/README.md):
 * simulated hosts with fake `xl`/`xm`/`ssh` executables, knobs for faults and
 * guest behaviour, and ground truth for assertions.
 */
export { createSimHost, killHost, startHost, cleanupSim, setRootTimeFactor } from "./host/sim-host.ts";
export { listHosts } from "./host/store.ts";
export type { SimHost, SimHostOptions } from "./host/sim-host.ts";
export {
  setHostKnobs,
  setGuestBehaviour,
  stopGuest,
  killMonitor,
  listDomains,
  guestServicePort,
  callLog,
  writeSampleConfig,
} from "./sim-control.ts";
export type { DomainFacts, SampleConfigOptions } from "./sim-control.ts";
export type { CallLogEntry } from "./tool-run.ts";
export type { GuestBehaviour, HostKnobs, ShutdownReason, DomainType, MigrationFault } from "./host/model.ts";
export { MIGRATION_FAULTS } from "./host/model.ts";
export { PERSONA_IDS, DEFAULT_PERSONA, type PersonaId } from "./personas.ts";
export { DEFAULT_TIMING, DEFAULT_GUEST_TIMING, type TimingName } from "./host/timing.ts";
export { defaultSimRoot, sharedDir } from "./host/paths.ts";
export { writeKernelFiles, type KernelKind } from "./host/kernel-view.ts";
export { ENV_ROOT, ENV_HOST, ENV_TIME_FACTOR } from "./context.ts";
