/**
 * Which previews exist and which to destroy (pure). A preview exists where its state does: the
 * key `<project>-preview-pr-<n>/terraform.tfstate` in the staging account's state bucket. It is
 * kept while its pull request is open and labelled `preview`; closed, unlabelled or unknown pull
 * requests get their preview destroyed. An empty state (destroyed already) needs nothing.
 */

export const PREVIEW_LABEL = "preview";

/** What the state bucket says about one preview. */
export interface PreviewState {
  readonly pullRequest: number;
  readonly stack: string;
  readonly stateKey: string;
  /** Resources in its state; 0 after a destroy. */
  readonly resources: number;
  readonly lastModified?: string;
}

/** What GitHub says about the pull request: its state and labels, `missing` when there is none, `unknown` without a GitHub token. */
export type PullRequestStatus = { readonly state: "open" | "closed"; readonly labels: readonly string[] } | { readonly state: "missing" } | { readonly state: "unknown" };

export type PreviewAction = "keep" | "destroy" | "none" | "unknown";

export interface PreviewRow extends PreviewState {
  readonly pullRequestState: "open" | "closed" | "missing" | "unknown";
  readonly labelled: boolean;
  readonly action: PreviewAction;
  readonly reason: string;
}

/** `twinstack-preview-pr-42/terraform.tfstate` → 42; anything else (lock files, other stacks) → undefined. */
export function previewFromStateKey(project: string, key: string): number | undefined {
  const match = new RegExp(`^${project.replace(/[-.]/g, "\\$&")}-preview-pr-([1-9]\\d{0,8})/terraform\\.tfstate$`).exec(key);
  return match ? Number(match[1]) : undefined;
}

export function planPreviews(states: readonly PreviewState[], statuses: ReadonlyMap<number, PullRequestStatus>): PreviewRow[] {
  return [...states]
    .sort((a, b) => a.pullRequest - b.pullRequest)
    .map((state) => {
      const status = statuses.get(state.pullRequest) ?? { state: "unknown" as const };
      const labelled = "labels" in status && status.labels.includes(PREVIEW_LABEL);
      const row = { ...state, pullRequestState: status.state, labelled };
      if (state.resources === 0) return { ...row, action: "none" as const, reason: "state is empty (destroyed)" };
      switch (status.state) {
        case "unknown":
          return { ...row, action: "unknown" as const, reason: "pull request not looked up (no GITHUB_TOKEN)" };
        case "missing":
          return { ...row, action: "destroy" as const, reason: "no such pull request" };
        case "closed":
          return { ...row, action: "destroy" as const, reason: "pull request closed" };
        case "open":
          return labelled ? { ...row, action: "keep" as const, reason: `open and labelled ${PREVIEW_LABEL}` } : { ...row, action: "destroy" as const, reason: `open but not labelled ${PREVIEW_LABEL}` };
      }
    });
}

export function formatPreviews(rows: readonly PreviewRow[]): string {
  if (rows.length === 0) return "No previews (no preview state keys in the state bucket).";
  const header = ["PR", "stack", "resources", "pull request", "action", "why"];
  const lines = rows.map((r) => [`#${r.pullRequest}`, r.stack, String(r.resources), r.pullRequestState + (r.labelled ? ` (${PREVIEW_LABEL})` : ""), r.action, r.reason]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [header, ...lines].map((cols) => cols.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
