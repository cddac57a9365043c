// The playground's editor: CodeMirror 6 with JavaScript highlighting, line numbers, bracket
// matching, search and a lint gutter (where a run's error line is marked). Bundled by
// build.sh into one file; the page uses it as window.DodoEditor.
import { basicSetup } from "codemirror";
import { EditorView, keymap } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { lintGutter, setDiagnostics } from "@codemirror/lint";

function create(parent, text, onChange) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        keymap.of([indentWithTab]),
        javascript(),
        lintGutter(),
        EditorView.lineWrapping,
        EditorView.updateListener.of((u) => {
          if (u.docChanged && onChange) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    set text(value) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    // Marks [{line, column, message, severity}] (1-based) and scrolls to the first.
    mark(items) {
      const doc = view.state.doc;
      const diagnostics = items
        .filter((d) => d.line >= 1 && d.line <= doc.lines)
        .map((d) => {
          const line = doc.line(d.line);
          const from = Math.min(line.from + Math.max((d.column || 1) - 1, 0), line.to);
          return { from, to: Math.max(from, line.to), severity: d.severity || "error", message: d.message };
        });
      view.dispatch(setDiagnostics(view.state, diagnostics));
      if (diagnostics.length) {
        view.dispatch({ effects: EditorView.scrollIntoView(diagnostics[0].from, { y: "center" }) });
      }
    },
  };
}

window.DodoEditor = { create };
