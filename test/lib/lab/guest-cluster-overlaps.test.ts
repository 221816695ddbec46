/**
 * Scenario 3's client (lib/lab/guest-cluster.ts): each guest is asked on its
 * own, so "the service ran twice" is two answering periods that overlap. A
 * guest answers from the ask that first got its answer until the ask that
 * first did not.
 */
import t from "tap";
import { overlaps, type Sighting } from "../../../lib/lab/guest-cluster.ts";

const up = (guest: string, at: number): Sighting => ({ guest, at, up: true });
const down = (guest: string, at: number): Sighting => ({ guest, at, up: false });

const cases: [string, Sighting[], { from: number; to: number }[]][] = [
  ["no answer at all", [down("guest1", 0), down("guest2", 0)], []],
  ["one guest serving, the other silent", [up("guest1", 0), down("guest2", 0)], []],
  ["a failover: the first stops before the second starts", [up("guest1", 0), down("guest2", 0), down("guest1", 100), up("guest2", 900)], []],
  ["the second starts on the very ask where the first was found gone", [up("guest1", 0), down("guest1", 500), up("guest2", 500)], []],
  ["the second answers while the first still does", [up("guest1", 0), up("guest2", 400), down("guest1", 460)], [{ from: 400, to: 460 }]],
  ["both answer to the end", [up("guest2", 10), up("guest1", 30)], [{ from: 30, to: Number.POSITIVE_INFINITY }]],
  // sightings arrive per guest, not in time order: a dead guest's silence is known 250 ms after its ask began
  ["out of order: guest2's answer printed before guest1's silence from an earlier ask", [up("guest1", 0), up("guest2", 300), down("guest1", 100)], []],
  ["two overlaps over two failovers", [up("guest1", 0), up("guest2", 50), down("guest1", 70), up("guest1", 200), down("guest2", 220)], [{ from: 50, to: 70 }, { from: 200, to: 220 }]],
  ["a guest answering again is one more period", [up("guest1", 0), down("guest1", 10), up("guest1", 20), up("guest2", 15), down("guest2", 18)], []],
];

for (const [name, sightings, expected] of cases) {
  t.same(overlaps(sightings), expected, name);
}
