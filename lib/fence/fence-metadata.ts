import { attr, xml, type Xml } from "../xml/xml.ts";
import { defaultText, type AnyParam, type Params } from "../ocf/params.ts";
import { FENCE_ACTIONS, type GetoptLetters } from "./fence-params.ts";

/**
 * Meta-data in the fence-agents dialect (fence-agents lib/metadata.rng,
 * installed as /usr/share/cluster/relaxng/metadata.rng): shortdesc is an
 * attribute, every parameter has a <getopt mixed="..."/>, an alias is listed
 * again as a deprecated parameter that the new name obsoletes, and `on` is not
 * automatic (no unfencing). Pacemaker's fencer reads it to learn that the
 * host argument is called plug/port and which actions exist.
 */
export interface FenceAgentDocs {
  readonly name: string;
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly vendorUrl: string;
  readonly params: Params;
  readonly letters: GetoptLetters;
}

export const longOption = (name: string): string => `--${name.replace(/_/g, "-")}`;

/** What `--help` and meta-data show for one option: `-n, --plug=[plug]` or `-v, --verbose`. */
export function getoptText(name: string, p: AnyParam, letters: GetoptLetters): string {
  const letter = letters[name];
  const long = p.kind === "boolean" ? longOption(name) : `${longOption(name)}=[${name}]`;
  return letter ? `-${letter}, ${long}` : long;
}

function contentOf(p: AnyParam): Xml {
  if (p.kind === "select") {
    const options = (p.choices ?? []).map((value) => xml`\n\t\t\t<option value="${value}"/>`);
    return xml`<content type="select"${attr("default", defaultText(p))}>${options}\n\t\t</content>`;
  }
  return xml`<content type="${p.kind}"${attr("default", defaultText(p))}/>`;
}

function renderParameter(
  name: string,
  p: AnyParam,
  getopt: string,
  flags: { readonly deprecated?: boolean; readonly obsoletes?: string },
): Xml {
  return xml`\t<parameter name="${name}" unique="0" required="${p.required ? 1 : 0}"${attr("deprecated", flags.deprecated ? 1 : undefined)}${attr("obsoletes", flags.obsoletes)}>
\t\t<getopt mixed="${getopt}"/>
\t\t${contentOf(p)}
\t\t<shortdesc lang="en">${p.shortdesc}</shortdesc>
\t</parameter>
`;
}

export function renderFenceMetadata(agent: FenceAgentDocs): string {
  const parameters = Object.entries(agent.params).flatMap(([name, p]) => {
    const getopt = getoptText(name, p, agent.letters);
    const aliases = p.aliases ?? [];
    return [
      renderParameter(name, p, getopt, aliases[0] ? { obsoletes: aliases[0] } : {}),
      ...aliases.map((alias) => renderParameter(alias, p, getopt, { deprecated: true })),
    ];
  });
  const actions = FENCE_ACTIONS.map(
    (name) => xml`\t<action name="${name}"${attr("automatic", name === "on" ? 0 : undefined)}/>\n`,
  );
  return xml`<?xml version="1.0" ?>
<resource-agent name="${agent.name}" shortdesc="${agent.shortdesc}">
<longdesc>${agent.longdesc}</longdesc>
<vendor-url>${agent.vendorUrl}</vendor-url>
<parameters>
${parameters}</parameters>
<actions>
${actions}</actions>
</resource-agent>
`.text;
}

/** Plain-text help for `--help`, from the same declarations. */
export function renderFenceUsage(agent: FenceAgentDocs): string {
  const lines = Object.entries(agent.params).map(([name, p]) => {
    const def = defaultText(p);
    const facts = [p.required ? "required" : undefined, def !== undefined ? `default ${def}` : undefined]
      .filter(Boolean)
      .join(", ");
    return `   ${getoptText(name, p, agent.letters).padEnd(40)} ${p.shortdesc}${facts ? ` (${facts})` : ""}`;
  });
  return `Usage:\n\t${agent.name} [options]\nOptions:\n${lines.join("\n")}\n\n${agent.longdesc}\n`;
}
