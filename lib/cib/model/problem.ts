/**
 * A finding of `xen-ha cib check`: what is wrong, where (the element and its
 * line), and what to do about it. Errors fail the check; warnings are printed.
 */
export interface Problem {
  readonly severity: "error" | "warning";
  /** The offending element, e.g. "primitive vm-web" or "nvpair vm-web-instance_attributes-xmfiel". */
  readonly element: string;
  readonly line: number | undefined;
  readonly message: string;
  readonly fix: string;
}

export const error = (element: string, line: number | undefined, message: string, fix: string): Problem => ({
  severity: "error",
  element,
  line,
  message,
  fix,
});

export const warning = (element: string, line: number | undefined, message: string, fix: string): Problem => ({
  severity: "warning",
  element,
  line,
  message,
  fix,
});

/** Two lines per problem: "error: line 12: primitive vm-web: message" and "  fix: ...". */
export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? "" : `line ${problem.line}: `;
  return `${problem.severity}: ${where}${problem.element}: ${problem.message}\n  fix: ${problem.fix}\n`;
}
