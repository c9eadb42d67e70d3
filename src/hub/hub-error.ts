/** What went wrong talking to the Hub, for people and for code that reacts to it. */
export type HubErrorReason =
  | 'invalid-repo-id'
  | 'repo-not-found'
  | 'revision-not-found'
  | 'needs-login'
  | 'unreachable'
  | 'timed-out'
  | 'server-error'
  | 'unexpected-response'
  | 'truncated';

/**
 * Downloading from the Hub failed. The message is for people who may not be programmers and says
 * what to do instead; `reason` is for code that reacts differently (e.g. offers the local folder).
 * A repo that exists but lacks files fails with a ModelFilesError instead.
 */
export class HubError extends Error {
  readonly reason: HubErrorReason;

  constructor(reason: HubErrorReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HubError';
    this.reason = reason;
  }
}
