export interface Outcome {
  /** How the bad session ended, e.g. "abort wamp.error.protocol_violation", "ws-close 1002", "router-close message_too_large". */
  ending: string;
  /** Per step answers, for the invalid-state kind: "established: register/bystander -> ERROR procedure_already_exists". */
  answers: string[];
}

/** An invariant broke: the fuzz run fails with this. */
export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

/** "abort <reason>" for an ABORT that carries a reason URI and a message; a FuzzFailure otherwise. */
export function abortLabel(abort: unknown[]): string {
  const details = abort[1] as { message?: unknown } | undefined;
  const reason = abort[2];
  if (abort.length !== 3 || typeof reason !== 'string' || !reason.includes('.') || typeof details?.message !== 'string' || details.message.length === 0) {
    throw new FuzzFailure(`an ABORT without a reason URI and message: ${JSON.stringify(abort)}`);
  }
  return `abort ${reason}`;
}
