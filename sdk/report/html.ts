/** A self-contained HTML report: headings, paragraphs, tables and inline SVG, no external assets. */

export type Block =
  | { kind: "h2" | "h3" | "p"; text: string }
  | { kind: "table"; columns: string[]; rows: Array<Array<string | number | bigint>>; caption?: string }
  | { kind: "svg"; svg: string }
  | { kind: "checks"; items: Array<{ label: string; ok: boolean; detail?: string }> };

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function render(b: Block): string {
  switch (b.kind) {
    case "h2":
    case "h3":
    case "p":
      return `<${b.kind}>${esc(b.text)}</${b.kind}>`;
    case "svg":
      return `<figure>${b.svg}</figure>`;
    case "table": {
      const head = b.columns.map((c) => `<th>${esc(c)}</th>`).join("");
      const body = b.rows
        .map(
          (r) =>
            `<tr>${r.map((v) => `<td${typeof v === "string" ? "" : ' class="n"'}>${esc(String(v))}</td>`).join("")}</tr>`,
        )
        .join("\n");
      const cap = b.caption === undefined ? "" : `<caption>${esc(b.caption)}</caption>`;
      return `<table>${cap}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
    }
    case "checks":
      return `<ul class="checks">${b.items
        .map(
          (i) =>
            `<li class="${i.ok ? "ok" : "fail"}">${i.ok ? "&#10004;" : "&#10008;"} ${esc(i.label)}${i.detail === undefined ? "" : ` <small>${esc(i.detail)}</small>`}</li>`,
        )
        .join("\n")}</ul>`;
  }
}

export function htmlReport(title: string, blocks: Block[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.8em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px}
th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:bold;padding:4px 0}figure{margin:1em 0}
ul.checks{list-style:none;padding-left:0}li.ok{color:#1a7f37}li.fail{color:#cf222e;font-weight:bold}
h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}
</style></head><body>
<h1>${esc(title)}</h1>
${blocks.map(render).join("\n")}
</body></html>
`;
}

/** Plain-text table for the terminal. */
export function textTable(columns: string[], rows: Array<Array<string | number | bigint>>): string {
  const cells = [columns, ...rows.map((r) => r.map((v) => String(v)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}
