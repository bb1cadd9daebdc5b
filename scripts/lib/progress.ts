/**
 * A step list with elapsed seconds: a spinner on a terminal, one plain line per step
 * otherwise (CI logs). Long work never runs silently.
 */
export class StepList {
  private readonly startedAt = Date.now();
  private index = 0;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  get elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  async step<T>(title: string, work: (note: (text: string) => void) => Promise<T>): Promise<T> {
    this.index += 1;
    const label = `[${this.index}/${this.total}] ${title}`;
    const t0 = Date.now();
    let detail = "";
    const tty = this.out.isTTY === true;
    const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    let frame = 0;
    const render = () => {
      const seconds = ((Date.now() - t0) / 1000).toFixed(0);
      this.out.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${label} ${detail ? `— ${detail} ` : ""}(${seconds} s)`);
    };
    const timer = tty ? setInterval(render, 200) : undefined;
    if (!tty) this.out.write(`… ${label}\n`);
    const note = (text: string) => {
      detail = text;
      if (!tty) this.out.write(`    ${text}\n`);
    };
    try {
      const result = await work(note);
      if (timer) clearInterval(timer);
      this.out.write(`${tty ? "\r\x1b[2K" : ""}✔ ${label}${detail ? ` — ${detail}` : ""} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      return result;
    } catch (error) {
      if (timer) clearInterval(timer);
      this.out.write(`${tty ? "\r\x1b[2K" : ""}✘ ${label} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      throw error;
    }
  }
}
