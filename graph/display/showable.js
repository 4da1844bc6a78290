// showable(text): text as a page shows it to read, as the server's messages and /id/ pages write it
// (atmpkg.graph.errors.visible, whose comments say why each part): each control character, format
// character and character fonts draw as nothing written as its escape (\x1b, \u202e, \U000e0041), a
// variation selector or zero-width (non-)joiner beside the characters it acts on kept (a joiner
// never before a combining mark), and more than
// five combining marks on one character counted. An imported label's U+202E would draw what follows
// it reversed ("gnp.exe" as "exe.png", sec30 F5), its U+200B pass for another ("Kym\u200briah" as
// "Kymriah"), its thousand marks draw over the rows above (sec31 F4). The one source of it: inlined
// into every view file before the view's script (atmpkg.graph.display.viewpage) and served to the
// query page before app.js (/static/showable.js); both call it by this global name.
const showable = (() => {
  const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\u{13430}-\u{1343f}\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e0fff}]/gu;
  const ONE_HIDDEN = new RegExp(`^${HIDDEN.source}$`, "u");
  const SELECTOR = /^[\u180b-\u180d\u180f\ufe00-\ufe0f\u{e0100}-\u{e01ef}]$/u;
  const JOINERS = "\u200c\u200d";
  const MARKS_KEPT = 5;
  const STACKED = new RegExp(`[\\p{Mn}\\p{Me}]{${MARKS_KEPT + 1},}`, "gu");
  // the character (a code point: one or two UTF-16 units) that ends at, or starts at, index i
  const before = (text, i) => {
    const pair = /^[\ud800-\udbff][\udc00-\udfff]$/.test(text.slice(Math.max(i - 2, 0), i));
    return text.slice(Math.max(i - (pair ? 2 : 1), 0), i);
  };
  const after = (text, i) => (i < text.length ? String.fromCodePoint(text.codePointAt(i)) : "");
  const drawn = (c) => c !== "" && c.codePointAt(0) > 0x36f && !ONE_HIDDEN.test(c);
  // a joiner before a combining mark joins nothing and would stack the marks after it on the
  // character under the marks before it (sec32 F4)
  const MARK = /^[\p{Mn}\p{Me}]$/u;
  const joined = (c) => drawn(c) && !MARK.test(c);
  const kept = (text, c, i) => {
    if (SELECTOR.test(c)) return drawn(before(text, i));
    if (!JOINERS.includes(c) || !joined(after(text, i + 1))) return false;
    const previous = before(text, i);
    return drawn(previous) || (SELECTOR.test(previous) && kept(text, previous, i - previous.length));
  };
  const escaped = (c) => {
    const code = c.codePointAt(0);
    if (c === "\r") return "\\r";
    if (code < 0x100) return "\\x" + code.toString(16).padStart(2, "0");
    return code < 0x10000 ? "\\u" + code.toString(16).padStart(4, "0") : "\\U" + code.toString(16).padStart(8, "0");
  };
  return (text) => String(text)
    .replace(HIDDEN, (c, i, whole) => (kept(whole, c, i) ? c : escaped(c)))
    .replace(STACKED, (run) => {
      const marks = Array.from(run);
      const more = marks.length - MARKS_KEPT;
      return `${marks.slice(0, MARKS_KEPT).join("")}… (${more.toLocaleString("en-US")} more mark${more > 1 ? "s" : ""})`;
    });
})();
