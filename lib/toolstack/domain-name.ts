/**
 * The one rule for a Xen domain name that xen-ha accepts anywhere (XenDomain's
 * `name`, fence_xen's plug, the plugin's hostlist, the CIB tools):
 * - not empty and at most 64 characters;
 * - no control characters (NUL included) and no '/': xenstore keeps the name
 *   under /local/domain/<domid>/name, and a name must survive being a word in
 *   an argv, a log line and a file name;
 * - no surrounding spaces: ` vm1` is a different domain from `vm1`;
 * - no leading '-': xl and xm would read it as an option;
 * - not Domain-0 (any case): the control domain is never a resource or a fence target.
 */
export const MAX_DOMAIN_NAME = 64;

export function domainNameProblem(name: string): string | undefined {
  if (name === "") return "a domain name cannot be empty";
  if (name.length > MAX_DOMAIN_NAME) return `a domain name has at most ${MAX_DOMAIN_NAME} characters (this one has ${name.length})`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return `${JSON.stringify(name)} holds a control character`;
  if (name.includes("/")) return `${JSON.stringify(name)} holds a '/'`;
  if (name.trim() !== name) return `${JSON.stringify(name)} has surrounding spaces`;
  if (name.startsWith("-")) return `${JSON.stringify(name)} begins with '-', which the toolstack would read as an option`;
  if (name.toLowerCase() === "domain-0") return "Domain-0 is the control domain, never a guest";
  return undefined;
}
