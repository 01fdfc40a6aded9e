/**
 * The unlock contract (docs/daemon-api.md, "Locked mode"): a set-up daemon whose account secret
 * is in a passphrase-encrypted key file, started without the passphrase, answers every engine
 * route with 409 `locked` until a client sends the passphrase here. Shared by the daemon
 * (src/daemon/unlock), the page (src/renderer/unlock.ts) and the CLI (`cess-sync unlock`).
 */
import { z } from 'zod';

export const UNLOCK_ROUTE = '/api/v1/unlock';

/** The error code of every engine route while the key file is locked (HTTP 409). */
export const LOCKED = 'locked';
/** POST unlock with a passphrase that does not open the key file (HTTP 400). */
export const WRONG_PASSPHRASE = 'wrong_passphrase';
/** POST unlock too soon after too many wrong passphrases (HTTP 429). */
export const TOO_MANY_ATTEMPTS = 'too_many_attempts';
/** POST unlock when the daemon is not locked (HTTP 409). */
export const NOT_LOCKED = 'not_locked';

/** Bounded so a pasted novel is refused before scrypt sees it; never echoed in errors. */
export const unlockRequestSchema = z.object({ passphrase: z.string().min(1).max(1024) }).strict();
export type UnlockRequest = z.infer<typeof unlockRequestSchema>;

export const unlockStateSchema = z.object({ locked: z.boolean() }).strict();
export type UnlockState = z.infer<typeof unlockStateSchema>;
