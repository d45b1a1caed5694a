/** What a non-lead sees in place of a lead's controls: who is chosen, and how to choose a lead. */
import type { AnnotatorDto } from "../bindings/AnnotatorDto";

export function LeadOnly({ me, what }: { me: AnnotatorDto | null; what: string }) {
  return (
    <p className="muted small team-lead-only" data-testid="team-lead-only">
      {me
        ? `Only a lead ${what} — ${me.name} is ${me.role === "annotator" ? "an" : "a"} ${me.role}. Choose a lead under “Annotator” above.`
        : `Only a lead ${what}. Choose who is working here under “Annotator” above.`}
    </p>
  );
}
