// What a person can do to a live run: cancel it, answer its question (continue_run), or approve or
// deny the permission it waits on — answered the way the MCP surface answers it.
import { useState } from "preact/hooks";
import { isAwaitingInput } from "../../../shared/runs/run-statuses.ts";
import { callTool, describeError } from "../api.ts";
import type { RunView } from "../types.ts";

export function RunActions({ run }: { run: RunView }) {
  const [answer, setAnswer] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (tool: string, args: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await callTool(tool, { run_id: run.run_id, ...args });
      setAnswer("");
      setReason("");
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  /** The approvals answer continue_run takes; the reason goes with either. */
  const answerApproval = (approve: boolean) =>
    act("continue_run", { approval: { approve, ...(reason ? { reason } : {}) } });
  if (run.terminal) return null;
  const approval = run.pending_approval;

  return (
    <section aria-labelledby="actions-title" class="actions">
      <h2 id="actions-title">Actions</h2>
      {approval && (
        <form aria-label="Approval" onSubmit={(e) => e.preventDefault()}>
          <p>
            The agent asks to use <strong>{approval.tool}</strong>
            {approval.command && (
              <>
                : <code>{approval.command}</code>
              </>
            )}
            {approval.file && (
              <>
                {" "}
                on <code>{approval.file}</code>
              </>
            )}
            {approval.reason && <> — {approval.reason}</>}
          </p>
          <label>
            Reason (told to the agent)
            <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <div class="buttons">
            <button type="button" disabled={busy} onClick={() => answerApproval(true)}>
              Approve
            </button>
            <button type="button" disabled={busy} onClick={() => answerApproval(false)}>
              Deny
            </button>
          </div>
        </form>
      )}
      {!approval && isAwaitingInput(run.status) && (
        <form
          aria-label="Answer the agent"
          onSubmit={(e) => {
            e.preventDefault();
            act("continue_run", { prompt: answer });
          }}
        >
          <label for="answer">Answer</label>
          <textarea id="answer" required value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} />
          <button type="submit" disabled={busy}>
            Send answer
          </button>
        </form>
      )}
      <button type="button" class="danger" disabled={busy} onClick={() => act("cancel_run", {})}>
        Cancel run
      </button>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </section>
  );
}
