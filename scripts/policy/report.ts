/** Human-readable report of EnvironmentReports. */
import type { EnvironmentReport, Status } from "./engine";

const MARK: Record<Status, string> = { pass: "PASS", fail: "FAIL", suppressed: "SUPP", "not-applicable": "n/a " };

/**
 * One block per environment: every rule with its status; failing and suppressed resources
 * listed under it with the reason (and the suppression's reason); then suppression errors.
 */
export function formatReport(reports: readonly EnvironmentReport[], options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(`== ${report.environment}${report.protected ? " (protected)" : ""}: ${report.stacks.join(", ")}`);
    for (const rule of report.rules) {
      const refs = [...rule.checkov, ...rule.trivy].join(" ");
      const applicable = rule.findings.length;
      const failing = rule.findings.filter((f) => f.status === "fail").length;
      const count = applicable === 0 ? "" : ` [${applicable - failing}/${applicable}]`;
      const mark = rule.status === "pass" && rule.findings.some((f) => f.warning) ? "WARN" : MARK[rule.status];
      lines.push(`${mark} ${rule.rule.padEnd(12)} ${rule.title}${count}${refs ? `  (${refs})` : ""}`);
      for (const finding of rule.findings) {
        if (finding.warning) lines.push(`       ! ${finding.stack} ${finding.address}: ${finding.reason}`);
        else if (finding.status === "fail") lines.push(`       ✗ ${finding.stack} ${finding.address}: ${finding.reason}`);
        else if (finding.status === "suppressed") lines.push(`       ~ ${finding.stack} ${finding.address}: ${finding.reason} — suppressed: ${finding.suppressedBecause}`);
        else if (options.verbose) lines.push(`       ✓ ${finding.stack} ${finding.address}: ${finding.reason}`);
      }
    }
    for (const error of report.suppressionErrors) lines.push(`ERROR ${error}`);
    const c = report.counts;
    lines.push(
      `-- ${report.environment}: ${c.pass} pass, ${c.fail} fail, ${c.suppressed} suppressed, ${c["not-applicable"]} not applicable` +
        `${report.warnings ? `, ${report.warnings} warning(s)` : ""}` +
        `${report.suppressionErrors.length ? `, ${report.suppressionErrors.length} suppression error(s)` : ""} → ${report.ok ? "OK" : "FAILED"}`,
      "",
    );
  }
  return lines.join("\n");
}
