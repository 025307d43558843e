// A run's or lane's status as a labelled badge (colour by class, the word always written).
export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{status}</span>;
}
