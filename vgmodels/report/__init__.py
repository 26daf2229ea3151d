"""The paper-style report: figures, tables, generated text, HTML and PDF."""
