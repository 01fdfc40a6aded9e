/**
 * The onboarding wizard's frame: which step shows, the step list (aria-current), focus on each
 * step's heading, where a reloaded page resumes (from the daemon's setup state), and how errors
 * are told. The steps themselves live in ./steps-*.ts.
 */
import type { SetupState } from '../../sync/api/onboarding-schema.js';
import { ApiError } from '../api.js';
import { forgetToken } from '../connection.js';
import { byId, setText } from '../dom.js';
import type { SetupApi } from './setup-api.js';

export const STEPS = [
  'welcome',
  'network',
  'account',
  'funds',
  'territory',
  'gateway',
  'folders',
  'done',
] as const;
export type StepId = (typeof STEPS)[number];

export interface Step {
  /** Called each time the step is shown (after it is visible). */
  enter?(): void | Promise<void>;
  /** Called when another step is shown. */
  leave?(): void;
}

export class Wizard {
  current: StepId | null = null;
  /** Create or import, as chosen on the welcome step. */
  mode: 'create' | 'import' = 'create';
  private steps: Partial<Record<StepId, Step>> = {};

  constructor(
    readonly api: SetupApi,
    public state: SetupState,
  ) {
    for (const el of all<HTMLButtonElement>('[data-back]')) {
      el.addEventListener('click', () => this.back());
    }
  }

  register(id: StepId, step: Step): void {
    this.steps[id] = step;
  }

  /** Shows a step, moves focus to its heading, runs its enter hook. */
  go(id: StepId): void {
    if (this.current !== null && this.current !== id) this.steps[this.current]?.leave?.();
    this.current = id;
    document.body.dataset.view = 'wizard';
    document.body.dataset.step = id;
    byId('unauthorized').hidden = true;
    for (const s of STEPS) byId(`step-${s}`).hidden = s !== id;
    const index = STEPS.indexOf(id);
    for (const li of all<HTMLElement>('#steps li')) {
      const i = STEPS.indexOf(li.dataset.step as StepId);
      if (i === index) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
      li.dataset.done = String(i < index);
    }
    setText('step-counter', `Step ${index + 1} of ${STEPS.length}`);
    byId(`h-${id}`).focus();
    void this.steps[id]?.enter?.();
  }

  next(): void {
    const i = STEPS.indexOf(this.current ?? 'welcome');
    this.go(STEPS[Math.min(i + 1, STEPS.length - 1)] ?? 'done');
  }

  back(): void {
    const i = STEPS.indexOf(this.current ?? 'welcome');
    this.go(STEPS[Math.max(i - 1, 0)] ?? 'welcome');
  }

  /** The first step not done yet, from the daemon's state (after a reload, too). */
  resumeStep(): StepId {
    const s = this.state;
    if (s.network === null) return 'welcome';
    if (s.account === null || !s.account.stored) return 'account';
    if (s.territory === null) return 'funds';
    if (s.gateway === null) return 'gateway';
    return 'folders';
  }

  /**
   * Tells an error where it happened (`alertId`, a role=alert paragraph). A refused token or
   * a finished setup leave the wizard; anything else can be retried from the same step.
   */
  fail(err: unknown, alertId: string): void {
    if (err instanceof ApiError && err.unauthorized) {
      showUnauthorized(
        "The sync engine refused this page's token: it may have been restarted (each start makes a new token).",
      );
      return;
    }
    if (err instanceof ApiError && err.code === 'already_set_up') {
      location.replace('./index.html');
      return;
    }
    const el = byId(alertId);
    el.textContent = errorText(err);
  }
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError && err.status === 0) {
    return 'The sync engine is not reachable. Check that it still runs, then try again.';
  }
  return err instanceof Error ? err.message : String(err);
}

export function showUnauthorized(reason: string): void {
  forgetToken();
  document.body.dataset.view = 'unauthorized';
  for (const s of STEPS) byId(`step-${s}`).hidden = true;
  byId('unauthorized').hidden = false;
  setText('unauthorized-reason', reason);
  byId('unauthorized-heading').focus();
}

/** Disables a button while `work` runs, with a busy label; resolves to what work resolves to. */
export async function whileBusy<T>(
  button: HTMLButtonElement,
  label: string,
  work: () => Promise<T>,
): Promise<T> {
  const before = button.textContent ?? '';
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = before;
  }
}

export function clear(...ids: string[]): void {
  for (const id of ids) byId(id).textContent = '';
}

/** The elements matching `selector`, as an array. */
export function all<T extends Element>(selector: string): T[] {
  return Array.from(document.querySelectorAll<T>(selector));
}
