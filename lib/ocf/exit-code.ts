/** OCF exit codes: the RA API 1.1 set plus Pacemaker's "degraded" pair. */
export const OcfExit = {
  Success: 0,
  ErrGeneric: 1,
  ErrArgs: 2,
  ErrUnimplemented: 3,
  ErrPerm: 4,
  ErrInstalled: 5,
  ErrConfigured: 6,
  NotRunning: 7,
  RunningPromoted: 8,
  FailedPromoted: 9,
  Degraded: 190,
  DegradedPromoted: 191,
} as const;

export type OcfExitCode = (typeof OcfExit)[keyof typeof OcfExit];

/** Codes that mean "this action failed"; NotRunning and the degraded pair are states. */
export type OcfFailureCode = Exclude<OcfExitCode, 0 | 7 | 8 | 190 | 191>;

/** The human name of a code, as ocf-returncodes spells it; used in logs and test titles. */
export function exitCodeName(code: number): string {
  const found = Object.entries(OcfExit).find(([, value]) => value === code);
  return found ? found[0] : `exit ${code}`;
}

/**
 * The one exception type an agent throws on purpose. The run loop turns it
 * into its exit code and prints the message once, as the ocf-exit-reason line.
 */
export class OcfError extends Error {
  override readonly name = "OcfError";
  readonly exitCode: OcfFailureCode;

  constructor(exitCode: OcfFailureCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

export const genericError = (message: string, options?: ErrorOptions): OcfError =>
  new OcfError(OcfExit.ErrGeneric, message, options);
export const notConfigured = (message: string): OcfError => new OcfError(OcfExit.ErrConfigured, message);
export const notInstalled = (message: string): OcfError => new OcfError(OcfExit.ErrInstalled, message);
export const invalidHere = (message: string): OcfError => new OcfError(OcfExit.ErrArgs, message);
