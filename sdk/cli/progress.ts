/** A one-line progress bar for long work (log replay, indexing). Silent when the output is not a terminal. */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    if (!stream.isTTY) return;
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    stream.write(`\r${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${pct}% (${done}/${total})`);
    if (done >= total) stream.write("\n");
  };
}
