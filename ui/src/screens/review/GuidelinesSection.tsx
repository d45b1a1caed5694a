/**
 * The labels' guidelines on the Review screen: each label with a guideline or examples, its
 * text and its example items as thumbnails (collapsed by default; the open state is kept).
 */
import type { GuidelinesDto } from "../../bindings/GuidelinesDto";
import { LabelChip } from "../../components/ReviewParts";
import { usePersistentState } from "../../hooks";
import * as ipc from "../../ipc";

export function GuidelinesSection({ guidelines, colors }: { guidelines: GuidelinesDto | null; colors: Map<string, string> }) {
  const [open, setOpen] = usePersistentState<boolean>("arbiter.review.guidelines", false);
  const shown = (guidelines?.labels ?? []).filter((l) => l.guideline || l.examples.length > 0);
  if (!guidelines || shown.length === 0) return null;
  return (
    <details
      className="review-section review-guidelines"
      data-testid="review-guidelines"
      data-schema-version={guidelines.schemaVersion}
      open={open}
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary className="section-title">Guidelines · v{guidelines.schemaVersion}</summary>
      {shown.map((l) => (
        <div key={l.name} className="review-guideline" data-label={l.name}>
          <LabelChip label={l.name} colors={colors} />
          {l.guideline && <p className="small">{l.guideline}</p>}
          {l.examples.length > 0 && (
            <div className="review-guideline-examples">
              {l.examples.map((e) =>
                e.rowid === null ? (
                  <span key={e.itemId} className="small muted mono" title="Not in this project's datasets">
                    {e.itemId}
                  </span>
                ) : (
                  <img key={e.itemId} src={ipc.thumbUrl(e.rowid)} alt={`${l.name} example ${e.itemId}`} title={e.itemId} loading="lazy" />
                ),
              )}
            </div>
          )}
        </div>
      ))}
    </details>
  );
}
