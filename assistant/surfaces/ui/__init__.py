"""The Gradio web UI. This package's own module loads no Gradio, so the HTTP app can name the UI's path."""

UI_PATH = "/ui"
