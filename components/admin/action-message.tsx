// The result of a back-office form: an error sentence or a confirmation, announced politely.
import { Icon } from "./icons";

export function ActionMessage({
  state,
  testId,
}: {
  state: { ok: null } | { ok: true; message?: string } | { ok: false; error: { message: string } };
  testId?: string;
}) {
  return (
    <div aria-live="polite" role="status" className="adm-action-status" data-testid={testId}>
      {state.ok === false ? (
        <p className="adm-alert adm-alert--error">
          <Icon name="alert" />
          <span>{state.error.message}</span>
        </p>
      ) : state.ok === true && state.message ? (
        <p className="adm-alert adm-alert--success">
          <Icon name="check" />
          <span>{state.message}</span>
        </p>
      ) : null}
    </div>
  );
}
