/**
 * The files' context menu (WAI-ARIA menu pattern): role="menu" with menuitems, focus on the first
 * item when it opens, arrow keys / Home / End / first letter to move, Enter or Space to choose,
 * Escape or Tab to close with focus back on what opened it; a click outside closes it too.
 * One element in index.html, reused for every row.
 */
import { h } from '../dom.js';
import { nextIndex } from './view-model.js';

export interface MenuItem {
  label: string;
  run(): void;
  /** Shown (discoverable) but not available, with the reason for screen readers. */
  disabled?: string;
}

/** Where to open: at the pointer, or under an element (keyboard, the "⋯" button). */
export type MenuAnchor = { x: number; y: number } | HTMLElement;

export class ContextMenu {
  private invoker: HTMLElement | null = null;
  private onClosed: (() => void) | null = null;

  constructor(private readonly el: HTMLElement) {
    el.addEventListener('keydown', (e) => this.onKey(e));
    document.addEventListener(
      'pointerdown',
      (e) => {
        if (!this.isOpen) return;
        if (e.target instanceof Node && this.el.contains(e.target)) return;
        this.close(false);
      },
      true,
    );
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  open(
    items: readonly MenuItem[],
    anchor: MenuAnchor,
    invoker: HTMLElement,
    onClosed?: () => void,
  ): void {
    if (this.isOpen) this.close(false);
    this.invoker = invoker;
    this.onClosed = onClosed ?? null;
    this.el.replaceChildren(
      ...items.map((item) =>
        h(
          'button',
          {
            type: 'button',
            role: 'menuitem',
            tabindex: -1,
            class: 'menu-item',
            'aria-disabled': item.disabled !== undefined ? 'true' : undefined,
            title: item.disabled,
            onclick: () => {
              if (item.disabled !== undefined) return;
              this.close(true);
              item.run();
            },
          },
          item.label,
        ),
      ),
    );
    this.el.hidden = false;
    this.place(anchor);
    this.items()[0]?.focus();
  }

  /** `restoreFocus`: back to what opened the menu (not when the user clicked elsewhere). */
  close(restoreFocus: boolean): void {
    if (!this.isOpen) return;
    this.el.hidden = true;
    this.el.replaceChildren();
    const invoker = this.invoker;
    const done = this.onClosed;
    this.invoker = null;
    this.onClosed = null;
    if (restoreFocus && invoker?.isConnected === true) invoker.focus();
    done?.();
  }

  private items(): HTMLButtonElement[] {
    return Array.from(this.el.querySelectorAll<HTMLButtonElement>('[role="menuitem"]'));
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      this.close(true);
      return;
    }
    const items = this.items();
    const current = items.findIndex((i) => i === document.activeElement);
    const next = nextIndex(
      current,
      e.key,
      items.map((i) => i.textContent ?? ''),
    );
    if (next !== null) {
      e.preventDefault();
      items[next]?.focus();
    }
  }

  /** Fixed position at the anchor, kept inside the viewport (360 px wide screens too). */
  private place(anchor: MenuAnchor): void {
    let x: number;
    let y: number;
    if (anchor instanceof HTMLElement) {
      const r = anchor.getBoundingClientRect();
      x = r.left;
      y = r.bottom + 2;
    } else {
      ({ x, y } = anchor);
    }
    const maxX = window.innerWidth - this.el.offsetWidth - 4;
    const maxY = window.innerHeight - this.el.offsetHeight - 4;
    // CSSOM positioning: allowed under the page's style-src 'self' (no inline style attribute).
    this.el.style.left = `${Math.max(4, Math.min(x, maxX))}px`;
    this.el.style.top = `${Math.max(4, Math.min(y, maxY))}px`;
  }
}
