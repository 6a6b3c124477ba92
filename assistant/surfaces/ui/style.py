"""The UI's look: a system-font theme (no font files, no CDN) and the CSS for chips, panels and task cards."""

from __future__ import annotations

import gradio as gr

THEME = gr.themes.Default(
    primary_hue="blue",
    neutral_hue="slate",
    font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Consolas", "monospace"],
)

CSS = """
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
#header h1 { margin-bottom: 0.2em; }
#header p { color: var(--body-text-color-subdued); margin-top: 0; }

/* citation chips: the reference links [2021-2] → #cite-2021-2 inside chat messages */
#chat a[href^="#cite-"] {
  display: inline-block; padding: 0 0.55em; margin: 0 0.1em; border-radius: 999px;
  background: var(--primary-50); color: var(--primary-700) !important; border: 1px solid var(--primary-200);
  font-size: 0.78em; font-weight: 600; line-height: 1.6; white-space: nowrap;
  text-decoration: none !important; vertical-align: 0.08em; cursor: pointer;
}
#chat a[href^="#cite-"]:hover { background: var(--primary-600); color: white !important; }
/* "not covered by these documents": the only quote block a bot message can hold (answer text is escaped) */
#chat [data-testid=bot] blockquote {
  margin: 0; padding: 0.7em 1em; border-left: 4px solid #f59e0b; border-radius: 6px;
  background: #fffbeb; color: #78350f;
}
#chat [data-testid=bot] blockquote strong { color: #92400e; }
/* the grounding note: the only emphasis a bot message can hold */
#chat [data-testid=bot] em { color: var(--body-text-color-subdued); font-size: 0.82em; font-style: normal; }
#chat .ui-error {
  padding: 0.7em 1em; border-left: 4px solid #dc2626; border-radius: 6px; background: #fef2f2; color: #7f1d1d;
}
#ask-row, #open-row { align-items: stretch; }
#tasks-table [role=gridcell], #eval-table [role=gridcell] { font-family: var(--font); }
#chat-options { align-items: end; }

/* notes in panels, and the banner above the tabs */
.panel-note { padding: 0.9em 1em; border-radius: 8px; color: var(--body-text-color-subdued);
  background: var(--background-fill-secondary); border: 1px dashed var(--border-color-primary); }
.panel-warning { color: #78350f; background: #fffbeb; border: 1px solid #fcd34d; }
#status:empty { display: none; }
#sources-heading h3 { margin: 0.2em 0 0; }

/* task cards: the sources panel and the task view */
#sources, #task-view { min-height: 8em; }
.task-card { font-size: 0.95em; line-height: 1.55; }
.task-card .task-doc { font-size: 0.8em; color: var(--body-text-color-subdued); text-transform: none; }
.task-card .task-title { margin: 0.35em 0 0.25em; font-size: 1.12em; line-height: 1.35; }
.task-card .task-label {
  display: inline-block; margin-right: 0.35em; padding: 0 0.5em; border-radius: 999px; font-size: 0.78em;
  vertical-align: 0.12em; background: var(--primary-600); color: white; white-space: nowrap;
}
.task-card .task-section { font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 0.6em; }
.task-card .task-facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3em 1em;
  margin: 0.6em 0; padding: 0.6em 0.8em; border-radius: 8px; background: var(--background-fill-secondary); }
.task-card .task-facts dt { font-weight: 600; font-size: 0.85em; color: var(--body-text-color-subdued); }
.task-card .task-facts dd { margin: 0; font-size: 0.9em; }
.task-card ul { margin: 0; padding-left: 1.1em; }
.task-card .muted { color: var(--body-text-color-subdued); }
.task-card .deadline-month { font-variant-numeric: tabular-nums; font-weight: 600; margin-right: 0.3em; }
.task-card .task-text p { margin: 0.5em 0; }
.task-card .responsibility { font-size: 0.88em; color: var(--body-text-color-subdued); }
.task-card mark { background: #fde68a; color: inherit; padding: 0.05em 0.15em; border-radius: 3px; }

/* the Documents tab: how a notice was parsed */
#documents-status:empty { display: none; }
.doc-card { font-size: 0.92em; line-height: 1.5; }
.doc-card h4 { margin: 0.9em 0 0.3em; }
.doc-card .task-facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em;
  padding: 0.6em 0.8em; border-radius: 8px; background: var(--background-fill-secondary); }
.doc-card .task-facts dt { font-weight: 600; color: var(--body-text-color-subdued); }
.doc-card .task-facts dd { margin: 0; }
.doc-card .muted { color: var(--body-text-color-subdued); }
.doc-card .doc-warnings li { color: #92400e; }
.doc-card .doc-tasks { width: 100%; border-collapse: collapse; font-size: 0.92em; }
.doc-card .doc-tasks th, .doc-card .doc-tasks td { text-align: left; vertical-align: top;
  padding: 0.3em 0.4em; border-bottom: 1px solid var(--border-color-primary); }
"""
