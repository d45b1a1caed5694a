/**
 * Buttons of the project header that each open a screen over the project screen (which stays
 * mounted underneath, so the grid is as it was on return). Closing gives the focus back to the
 * button that opened the screen.
 */
import { useEffect, useRef, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { DesktopOnly } from "./DesktopOnly";

export interface NavButton<V extends string> {
  view: V;
  text: string;
  testId: string;
  /** Set for a screen only the desktop app has: over HTTP the button says this instead. */
  desktopOnly?: string;
}

interface Props<V extends string> {
  buttons: readonly NavButton<V>[];
  /** The class of the layer the screens open in. */
  overlayClass: string;
  /** The element focused when a screen opens (a selector inside the layer); else the layer itself. */
  focusInside?: string;
  onClosed?: () => void;
  /** The screen of a view; `show` switches to another, `close` goes back to the project. */
  children: (view: V, nav: { show: (v: V) => void; close: () => void }) => ReactNode;
}

export function ProjectNav<V extends string>({ buttons, overlayClass, focusInside, onClosed, children }: Props<V>) {
  const [view, setView] = useState<V | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const overlay = useRef<HTMLDivElement>(null);

  const open = (v: V) => (e: { currentTarget: HTMLElement }) => {
    opener.current = e.currentTarget;
    setView(v);
  };
  const close = () => {
    setView(null);
    onClosed?.();
    // Once the layer is gone the focus is nowhere: give it back to the opener, unless the person
    // has already moved on (clicked into the search, say) before the next frame.
    requestAnimationFrame(() => {
      const active = document.activeElement;
      if (active === null || active === document.body) opener.current?.focus();
    });
  };

  useEffect(() => {
    if (!view) return;
    const target = focusInside ? overlay.current?.querySelector<HTMLElement>(focusInside) : overlay.current;
    target?.focus({ preventScroll: !!focusInside });
  }, [view, focusInside]);

  return (
    <>
      {buttons.map((b) => {
        const button = (
          <button key={b.view} type="button" className="button" data-testid={b.testId} onClick={open(b.view)}>
            {b.text}
          </button>
        );
        return b.desktopOnly === undefined ? (
          button
        ) : (
          <DesktopOnly key={b.view} className="button" testId={b.testId} label={b.text} why={b.desktopOnly}>
            {button}
          </DesktopOnly>
        );
      })}
      {view &&
        createPortal(
          <div className={overlayClass} ref={overlay} tabIndex={focusInside ? undefined : -1}>
            {children(view, { show: setView, close })}
          </div>,
          document.body,
        )}
    </>
  );
}
