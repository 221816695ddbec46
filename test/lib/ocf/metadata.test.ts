import t from "tap";
import { renderMetadata } from "../../../lib/ocf/metadata.ts";
import { xenDomain } from "../../../agents/xen-domain/agent.ts";

t.test("1.0 meta-data carries the DOCTYPE and no 1.1-only features", async (t) => {
  const text = renderMetadata(xenDomain, "1.0");
  t.match(text, /<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">/);
  t.notMatch(text, /reloadable|unique-group|reload-agent|type="select"/);
});

t.test("1.1 meta-data offers reload-agent and reloadable parameters", async (t) => {
  const text = renderMetadata(xenDomain, "1.1");
  t.match(text, /<version>1.1<\/version>/);
  t.match(text, /<action name="reload-agent"/);
  t.match(text, /name="shutdown_timeout" required="0" reloadable="1"/);
  t.match(text, /<content type="select" default="auto">/);
});
