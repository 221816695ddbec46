/**
 * What the calling LRM tells an agent through its environment, read once.
 * Pacemaker's execd, the legacy Heartbeat lrmd and ocf-tester each set a
 * different subset (see doc/ocf.md §1.4); everything here copes with absence.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface OcfContext {
  readonly action: string;
  readonly instance: string;
  readonly resourceType: string | undefined;
  /** OCF_RA_VERSION_MINOR: 1 under Pacemaker >= 2.1, 0 under the legacy lrmd, undefined under ocf-tester. */
  readonly raVersionMinor: number | undefined;
  /** True when no Pacemaker CRM_meta variable is present: the legacy lrmd or a bare call. */
  readonly legacy: boolean;
  /** Whether the caller understands OCF 1.1 codes (190, 191); the legacy lrmd maps them to 1. */
  readonly understandsDegraded: boolean;
  /** Operation timeout in ms (OCF_RESKEY_CRM_meta_timeout), undefined when the caller did not say. */
  readonly timeoutMs: number | undefined;
  readonly intervalMs: number | undefined;
  /** A probe is a monitor with interval exactly "0". */
  readonly isProbe: boolean;
  readonly checkLevel: number;
  readonly exitReasonPrefix: string;
  readonly onNode: string | undefined;
  readonly migrateSource: string | undefined;
  readonly migrateTarget: string | undefined;
  /** ocf-tester's "pretend every binary is missing" switch, which non-shell agents must honour. */
  readonly failHaveBinary: boolean;
}

const meta = (env: Env, name: string): string | undefined => {
  const value = env[`OCF_RESKEY_CRM_meta_${name}`];
  return value === undefined || value === "" ? undefined : value;
};

const toNumber = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
};

export function readOcfContext(env: Env, action: string): OcfContext {
  const raVersionMinor = toNumber(env["OCF_RA_VERSION_MINOR"]);
  const legacy = !Object.keys(env).some((key) => key.startsWith("OCF_RESKEY_CRM_meta_"));
  const interval = meta(env, "interval");
  // The legacy lrmd passes OCF_CHECK_LEVEL with the OCF_RESKEY_ prefix (ocf-shellfuncs falls back the same way).
  const checkLevel = toNumber(env["OCF_CHECK_LEVEL"] ?? env["OCF_RESKEY_OCF_CHECK_LEVEL"]) ?? 0;
  return {
    action,
    instance: env["OCF_RESOURCE_INSTANCE"] || "undef",
    resourceType: env["OCF_RESOURCE_TYPE"] || undefined,
    raVersionMinor,
    legacy,
    understandsDegraded: (raVersionMinor ?? 0) >= 1,
    timeoutMs: toNumber(meta(env, "timeout")),
    intervalMs: toNumber(interval),
    isProbe: (action === "monitor" || action === "status") && interval === "0",
    checkLevel,
    exitReasonPrefix: env["OCF_EXIT_REASON_PREFIX"] || "ocf-exit-reason:",
    onNode: meta(env, "on_node"),
    migrateSource: meta(env, "migrate_source"),
    migrateTarget: meta(env, "migrate_target"),
    failHaveBinary: env["OCF_TESTER_FAIL_HAVE_BINARY"] === "1",
  };
}
