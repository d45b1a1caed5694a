import { describe, expect, it } from "vitest";
import { decideVotes, type LabelVote } from "./mockDecide";

let nextId = 1;
const label = (annotator: string, l: string, source = "manual"): LabelVote => ({
  id: nextId++,
  annotator,
  label: l,
  source,
  createdAt: `2026-01-01T00:00:${String(nextId).padStart(2, "0")}Z`,
});
const majority = (minAnnotators: number) => ({ mode: "majority", minAnnotators });

describe("the mock's decision rule (as the core's decide.rs)", () => {
  it("keeps an item pending until min_annotators people voted, whatever the votes say", () => {
    const one = decideVotes([label("ana", "cat")], majority(2), 1);
    expect(one).toMatchObject({ status: "pending", label: null, rule: null, votesNeeded: 2 });
    expect(one.votes.map((v) => v.annotator)).toEqual(["ana"]);
    const two = decideVotes([label("ana", "cat"), label("bo", "cat")], majority(2), 1);
    expect(two).toMatchObject({ status: "decided", label: "cat", rule: "unanimous", deciders: ["ana", "bo"], votesNeeded: 2 });
  });

  it("counts one vote per annotator (their latest label)", () => {
    const d = decideVotes([label("ana", "cat"), label("ana", "dog")], majority(2), 1);
    expect(d).toMatchObject({ status: "pending", votesNeeded: 2 });
    expect(d.votes.map((v) => v.label)).toEqual(["dog"]);
  });

  it("needs the overlap k when it is larger than the rule's minimum", () => {
    expect(decideVotes([label("ana", "cat"), label("bo", "cat")], majority(1), 3)).toMatchObject({ status: "pending", votesNeeded: 3 });
    expect(decideVotes([label("ana", "cat")], majority(1), 1)).toMatchObject({ status: "decided", rule: "unanimous", votesNeeded: 1 });
  });

  it("lets an override decide however few votes there are", () => {
    const d = decideVotes([label("ana", "cat"), label("chen", "dog", "override")], majority(3), 1);
    expect(d).toMatchObject({ status: "decided", label: "dog", rule: "override", deciders: ["chen"], votesNeeded: 3 });
  });

  it("decides a strict majority, and a tie or a unanimous-mode split is a conflict", () => {
    const votes = [label("ana", "cat"), label("bo", "cat"), label("dana", "dog")];
    expect(decideVotes(votes, majority(3), 1)).toMatchObject({ status: "decided", label: "cat", rule: "majority", deciders: ["ana", "bo"] });
    expect(decideVotes(votes, { mode: "unanimous", minAnnotators: 3 }, 1)).toMatchObject({ status: "conflict", label: null });
    expect(decideVotes(votes.slice(1), majority(2), 1)).toMatchObject({ status: "conflict", label: null });
  });
});
