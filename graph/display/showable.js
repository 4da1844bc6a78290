// showable(text): text as a page shows it, each control and bidirectional format character written
// as its escape (\x1b, \u202e), as the server's messages and /id/ pages write them
// (atmpkg.graph.errors.visible): an imported label's U+202E would draw what follows it reversed
// ("gnp.exe" as "exe.png", sec30 F5). The one source of it: inlined into every view file before
// the view's script (atmpkg.graph.display.viewpage) and served to the query page before app.js
// (/static/showable.js); both call it by this global name.
const showable = (() => {
  const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  return (text) => String(text).replace(HIDDEN, (c) => {
    const code = c.charCodeAt(0);
    if (c === "\r") return "\\r";
    return code < 0x100 ? "\\x" + code.toString(16).padStart(2, "0") : "\\u" + code.toString(16).padStart(4, "0");
  });
})();
