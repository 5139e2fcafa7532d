/**
 * Negative return codes of the Redis scripts, named once, and their one mapping to KefuError.
 *
 * Scripts return a negative integer when a step is refused (`commit-n` returns it together with
 * the position of the refused write); TypeScript never compares against bare numbers, only
 * against `ScriptCode`, and `scriptFailure` is the single place where a code becomes an error
 * (or, for outcomes the port reports as `undefined`/`false`, nothing).
 */
import { type ErrorCode, KefuError } from '../../app/errors';

export enum ScriptCode {
  /** A compare-and-set lost: stale eTag or version. */
  Conflict = -1,
  /** The record to replace does not exist. */
  NotFound = -2,
  /** The record to create already exists. */
  Exists = -3,
  /** assign: no agent qualifies (online, skills, under capacity, not excluded). */
  NoAgent = -4,
  /** assign/claim: the item is already assigned. */
  AlreadyAssigned = -5,
  /** claim: the agent is unknown. */
  UnknownAgent = -6,
  /** claim: the agent is at capacity. */
  AtCapacity = -7,
}

/** What each code means to the port: an error code, or `null` for a plain "no result". */
const OUTCOMES: Record<ScriptCode, ErrorCode | null> = {
  [ScriptCode.Conflict]: 'ERR_STORE_CONFLICT',
  [ScriptCode.NotFound]: 'ERR_STORE_NOT_FOUND',
  [ScriptCode.Exists]: 'ERR_STORE_EXISTS',
  [ScriptCode.NoAgent]: null,
  [ScriptCode.AlreadyAssigned]: null,
  [ScriptCode.UnknownAgent]: null,
  [ScriptCode.AtCapacity]: null,
};

/** True when a script reply is one of the named negative codes. */
export function isScriptCode(reply: unknown): reply is ScriptCode {
  return typeof reply === 'number' && reply < 0 && reply in OUTCOMES;
}

/**
 * Turns a script's negative code into the port's answer: throws the mapped KefuError, or
 * returns `undefined` when the port reports this outcome as "nothing happened".
 * @throws ERR_STORE_CONFLICT, ERR_STORE_NOT_FOUND, ERR_STORE_EXISTS as mapped;
 *   ERR_STORE_SCRIPT for a code that is not named.
 */
export function scriptFailure(script: string, code: number, context: Record<string, unknown> = {}): undefined {
  if (!isScriptCode(code)) {
    throw new KefuError('ERR_STORE_SCRIPT', `Redis script ${script} returned unknown code ${code}`, {
      script,
      code,
      ...context,
    });
  }
  const errorCode = OUTCOMES[code];
  if (errorCode === null) return undefined;
  throw new KefuError(errorCode, `${script}: ${ScriptCode[code]}`, { script, ...context });
}
