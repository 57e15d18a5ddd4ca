/** Who a commit is by. */
export interface CommitPerson {
  readonly name: string;
  readonly email: string;
}

/** How a caller names the commit in messages, and what to tell the user when a name is unusable. */
export interface IdentityWording {
  /** e.g. `record author` or `commit`. */
  readonly subject: string;
  /** The fix for an unusable name or email, given the field. */
  readonly fix: (field: 'name' | 'email') => string;
}

/**
 * GIT_AUTHOR_* and GIT_COMMITTER_* for a commit by `person` at `isoTime`. Dates are given in git's own
 * `<seconds> <offset>` form so no date parser guesses, and names that would corrupt the commit header are refused.
 */
export function commitIdentityVariables(person: CommitPerson, isoTime: string, wording: IdentityWording): Record<string, string> {
  for (const field of ['name', 'email'] as const) {
    const value = person[field];
    if (value.trim().length === 0 || /[<>\n\r\u0000]/.test(value)) {
      throw new Error(`${wording.subject} ${field} ${JSON.stringify(value)} is empty or holds "<", ">" or a line break; ${wording.fix(field)}`);
    }
  }
  const milliseconds = Date.parse(isoTime);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(isoTime) || Number.isNaN(milliseconds)) {
    throw new Error(`${wording.subject.split(' ')[0]} time "${isoTime}" is not an ISO 8601 timestamp; pass the clock's time such as 2025-01-31T12:00:00Z`);
  }
  const date = `${Math.floor(milliseconds / 1000)} +0000`;
  return {
    GIT_AUTHOR_NAME: person.name,
    GIT_AUTHOR_EMAIL: person.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: person.name,
    GIT_COMMITTER_EMAIL: person.email,
    GIT_COMMITTER_DATE: date,
  };
}
