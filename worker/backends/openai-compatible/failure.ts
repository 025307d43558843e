// How this backend reports a failure: run_failed with code backend_failed, in text that names the
// endpoint's host and never a secret value (api_key, header values).
import { emit, type BackendOutput } from "../backend.ts";

export const failed = (message: string): BackendOutput =>
  emit("run_failed", { error: { code: "backend_failed", message } });
