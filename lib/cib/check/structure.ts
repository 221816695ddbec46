import { childrenNamed, type XmlElement } from "../../xml/tree.ts";
import { didYouMean } from "../model/closest.ts";
import { isValidId } from "../model/ids.ts";
import type { Cib, ConstraintDef } from "../model/model.ts";
import { error, warning, type Problem } from "../model/problem.ts";

/**
 * Ids and references: what cibadmin refuses (duplicate or invalid ids,
 * dangling resource references) and what crm_verify lets through (fencing
 * levels naming missing devices or non-nodes, duplicate level indexes,
 * locations on hosts that are not nodes, a colocation whose only set is
 * unordered and so ties its members to nothing).
 */
function idProblems(root: XmlElement): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, XmlElement>();
  const visit = (element: XmlElement, inStatus: boolean): void => {
    const status = inStatus || element.name === "status";
    const id = element.attributes["id"];
    // a node's id is Pacemaker's, and a resource_ref's id names a resource (an IDREF, not an id of its own)
    if (id !== undefined && !status && element.name !== "node" && element.name !== "resource_ref") {
      if (!isValidId(id)) {
        problems.push(
          error(`${element.name} ${id}`, element.line, `'${id}' is not a valid XML ID`, "start ids with a letter or '_' and use only letters, digits, '.', '_', '-'"),
        );
      }
      const first = seen.get(id);
      if (first) {
        problems.push(
          error(`${element.name} ${id}`, element.line, `id '${id}' is already used by the ${first.name} on line ${first.line ?? "?"}`, "give every element its own id"),
        );
      } else seen.set(id, element);
    }
    for (const child of element.children) visit(child, status);
  };
  visit(root, false);
  return problems;
}

/**
 * Members of a sequential="false" set are not colocated with each other, only
 * with the constraint's other sets; alone, the set does nothing, and Pacemaker
 * says nothing about it. It is what an admin writes to keep domains apart, so
 * it is an error, as a misspelled parameter is: configured, and without effect.
 */
function loneUnorderedSet(constraint: ConstraintDef): Problem[] {
  if (constraint.kind !== "rsc_colocation") return [];
  const sets = childrenNamed(constraint.element, "resource_set");
  if (sets.length !== 1 || sets[0]?.attributes["sequential"] !== "false") return [];
  return [
    error(
      `rsc_colocation ${constraint.id}`,
      constraint.line,
      `its only resource set has sequential="false", which colocates the members with no other set: Pacemaker ignores this constraint (${constraint.resources.join(", ")} are neither kept together nor apart)`,
      'to keep domains apart, write one rsc_colocation score="-INFINITY" per pair (what the capacity templates\' separate= renders); to keep them together, drop sequential="false"',
    ),
  ];
}

export function structureProblems(cib: Cib): Problem[] {
  const resources = new Set([...cib.primitives.map((p) => p.id), ...cib.containers.map((c) => c.id)]);
  const nodes = new Set(cib.nodes.map((n) => n.uname));
  const devices = new Set(cib.primitives.filter((p) => p.agent.startsWith("stonith:")).map((p) => p.id));
  const problems = idProblems(cib.root);

  for (const constraint of cib.constraints) {
    problems.push(...loneUnorderedSet(constraint));
    for (const rsc of constraint.resources) {
      if (!resources.has(rsc)) {
        problems.push(
          error(`${constraint.kind} ${constraint.id}`, constraint.line, `refers to resource '${rsc}', which does not exist${didYouMean(rsc, resources)}`, "name an existing resource, or delete the constraint"),
        );
      }
    }
    const node = constraint.kind === "rsc_location" ? constraint.attributes["node"] : undefined;
    if (node !== undefined && !nodes.has(node)) {
      problems.push(
        warning(`${constraint.kind} ${constraint.id}`, constraint.line, `names host '${node}', which is not a node of this CIB${didYouMean(node, nodes)}`, "use a node's uname as listed in <nodes>"),
      );
    }
  }

  // Pacemaker compares node names without case (crm_str_eq with use_case off), so these are one host to it
  const byLower = new Map<string, string>();
  for (const node of cib.nodes) {
    const other = byLower.get(node.uname.toLowerCase());
    if (other !== undefined) {
      problems.push(error(`node ${node.uname}`, node.line, `'${node.uname}' and '${other}' differ only in case: Pacemaker takes them for the same host`, "give every host a name that differs from the others in more than case, spelt as 'uname -n' prints it"));
    } else byLower.set(node.uname.toLowerCase(), node.uname);
  }

  const indexes = new Map<string, string>();
  for (const level of cib.fencingLevels) {
    const where = `fencing-level ${level.id ?? "(no id)"}`;
    for (const device of level.devices) {
      if (!devices.has(device)) {
        problems.push(error(where, level.line, `device '${device}' is not a fence device of this CIB${didYouMean(device, devices)}`, "list existing stonith resources, separated by commas"));
      }
    }
    if (level.target !== undefined && !nodes.has(level.target)) {
      problems.push(error(where, level.line, `target '${level.target}' is not a node${didYouMean(level.target, nodes)}`, "target a node's uname"));
    }
    const key = `${level.target ?? ""}#${level.index ?? ""}`;
    const other = indexes.get(key);
    if (other !== undefined) {
      problems.push(error(where, level.line, `index ${level.index ?? "?"} is already used for ${level.target ?? "this target"} by ${other}`, "number each target's levels 1, 2, ... without repeats"));
    }
    indexes.set(key, level.id ?? "(no id)");
  }
  return problems;
}
